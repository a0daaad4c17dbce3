import { z } from 'zod';
import type { MediaRef } from '../transport/types';
import type { Keys } from './keys';
import type { RedisClient } from './redis';

/**
 * The Redis side of photos sent apart from their /整改 (src/pipeline/loose-photos.ts): photos held
 * for the sender's next /整改 in the chat (a hash, field = msgid and place, so a re-sent callback
 * holds nothing twice), and the issue of their last /整改 there. Both expire on their own: held
 * photos carry WeCom's link, which dies 5 minutes after the message anyway.
 */
const heldSchema = z.object({ kind: z.enum(['image', 'file', 'video']), url: z.string(), aesKey: z.string().optional(), at: z.number() });

export interface HeldPhoto {
  field: string;
  media: MediaRef;
  at: number;
}

export class HeldPhotos {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Holds a message's media for `ttlMs` (the window restarts with each photo); answers how many are held now. */
  async hold(chatId: string, userId: string, msgid: string, media: readonly MediaRef[], at: number, ttlMs: number): Promise<number> {
    const key = this.keys.heldPhotos(chatId, userId);
    const fields = media.flatMap((m, i) => [`${msgid}#${i}`, JSON.stringify({ kind: m.kind, url: m.url, ...(m.aesKey ? { aesKey: m.aesKey } : {}), at })]);
    const res = await this.redis.multi().hset(key, ...fields).pexpire(key, ttlMs).hlen(key).exec();
    const count = res?.[2]?.[1];
    return typeof count === 'number' ? count : media.length;
  }

  /** The held photos, oldest first; a field that does not read is left out. */
  async held(chatId: string, userId: string): Promise<HeldPhoto[]> {
    const all = await this.redis.hgetall(this.keys.heldPhotos(chatId, userId));
    const out: HeldPhoto[] = [];
    for (const [field, raw] of Object.entries(all)) {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        continue;
      }
      const p = heldSchema.safeParse(value);
      if (!p.success) continue;
      out.push({ field, at: p.data.at, media: { kind: p.data.kind, url: p.data.url, ...(p.data.aesKey ? { aesKey: p.data.aesKey } : {}) } });
    }
    return out.sort((a, b) => a.at - b.at || a.field.localeCompare(b.field));
  }

  async release(chatId: string, userId: string, fields: readonly string[]): Promise<void> {
    if (fields.length) await this.redis.hdel(this.keys.heldPhotos(chatId, userId), ...fields);
  }

  async noteFix(chatId: string, userId: string, issueId: number, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.recentFix(chatId, userId), String(issueId), 'PX', ttlMs);
  }

  async recentFix(chatId: string, userId: string): Promise<number | undefined> {
    const raw = await this.redis.get(this.keys.recentFix(chatId, userId));
    return raw && /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : undefined;
  }
}
