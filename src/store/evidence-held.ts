import type { Result } from 'ioredis';
import { z } from 'zod';
import type { MediaRef } from '../transport/types';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    photosHold(...args: string[]): Result<[string, string | number], Context>;
    photosTake(...args: string[]): Result<string[], Context>;
  }
}

/**
 * The Redis side of photos sent apart from their /整改 (src/pipeline/loose-photos.ts): photos held
 * for the sender's next /整改 in the chat (a hash, field = msgid and place, so a re-sent callback
 * holds nothing twice), and the issue of their last /整改 there. Both expire on their own, and a
 * held photo older than the window is dropped even while newer ones keep the hash alive: its
 * WeCom link dies 5 minutes after the message. Holding checks for a recent fix, and taking notes
 * one, each in one script (photos-hold.lua, photos-take.lua), so a photo and a /整改 sent at the
 * same moment cannot miss each other.
 */
/**
 * The link is read as any bounded string, not checked here: a photo held with a link we will not
 * fetch must still reach its fix and be recorded as not kept (`foreign-host`) when its download
 * order is refused (jobs/evidence/evidence-order.ts, download.ts), never vanish from the hold.
 */
const heldSchema = z.object({ kind: z.enum(['image', 'file', 'video']), url: z.string().min(1).max(4096), aesKey: z.string().max(128).optional(), at: z.number() });

export interface HeldPhoto {
  field: string;
  media: MediaRef;
  at: number;
  /** The stored value, to put the photo back as it was. */
  raw: string;
}

export type HoldResult = { fix: number } | { held: number };

export class HeldPhotos {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    defineScripts(redis);
  }

  /**
   * Holds a message's media for `windowMs`, or, when the sender reported a fix in the chat within
   * the window, holds nothing and names its issue. Answers how many photos are held now.
   */
  async hold(chatId: string, userId: string, msgid: string, media: readonly MediaRef[], at: number, windowMs: number): Promise<HoldResult> {
    const fields = media.flatMap((m, i) => [`${msgid}#${i}`, JSON.stringify({ kind: m.kind, url: m.url, ...(m.aesKey ? { aesKey: m.aesKey } : {}), at })]);
    const [kind, value] = await this.redis.photosHold(this.keys.heldPhotos(chatId, userId), this.keys.recentFix(chatId, userId), String(windowMs), String(at), ...fields);
    const n = Number(value);
    return kind === 'fix' && Number.isInteger(n) && n > 0 ? { fix: n } : { held: Number.isInteger(n) ? n : media.length };
  }

  /**
   * Takes (reads and deletes) every held photo, oldest first; those older than the window at
   * `now`, or that do not read, are dropped. With `fixed`, notes that issue as the sender's recent
   * fix in the same step.
   */
  async take(chatId: string, userId: string, now: number, windowMs: number, fixed?: number): Promise<HeldPhoto[]> {
    const flat = await this.redis.photosTake(this.keys.heldPhotos(chatId, userId), this.keys.recentFix(chatId, userId), fixed === undefined ? '' : String(fixed), String(windowMs));
    const out: HeldPhoto[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i]!;
      const raw = flat[i + 1]!;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        continue;
      }
      const p = heldSchema.safeParse(value);
      if (!p.success || p.data.at < now - windowMs) continue;
      out.push({ field, raw, at: p.data.at, media: { kind: p.data.kind, url: p.data.url, ...(p.data.aesKey ? { aesKey: p.data.aesKey } : {}) } });
    }
    return out.sort((a, b) => a.at - b.at || a.field.localeCompare(b.field));
  }

  /** Puts taken photos back (a /整改 that was refused, or had no room for them). */
  async putBack(chatId: string, userId: string, photos: readonly HeldPhoto[], windowMs: number): Promise<void> {
    if (!photos.length) return;
    const key = this.keys.heldPhotos(chatId, userId);
    await this.redis.multi().hset(key, ...photos.flatMap((p) => [p.field, p.raw])).pexpire(key, windowMs).exec();
  }

  async recentFix(chatId: string, userId: string): Promise<number | undefined> {
    const raw = await this.redis.get(this.keys.recentFix(chatId, userId));
    return raw && /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : undefined;
  }
}
