import type { RedisClient } from './redis';
import { z } from 'zod';
import { parseJsonOrUndefined } from '../parsing/json';
import type { Keys } from './keys';

/**
 * Half-filled commands (docs/design.md §4.6 dialogues): one per user per chat, kept 10 minutes. Checked
 * with zod when read; a draft of an older shape is dropped, never misread.
 */
export const DRAFT_TTL_SECONDS = 600;

const draftSchema = z.object({
  v: z.literal(1),
  command: z.string(),
  text: z.string(),
  field: z.enum(['ref', 'unit', 'description', 'assignee', 'note', 'reason', 'deadline', 'outcome', 'rating']),
  quotedRef: z.number().optional(),
  at: z.number(),
});
export type Draft = z.output<typeof draftSchema>;

export class DraftStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async get(chatId: string, userId: string): Promise<Draft | undefined> {
    const raw = await this.redis.get(this.keys.draft(chatId, userId));
    if (!raw) return undefined;
    const parsed = draftSchema.safeParse(parseJsonOrUndefined(raw));
    if (!parsed.success) await this.drop(chatId, userId);
    return parsed.success ? parsed.data : undefined;
  }

  async save(chatId: string, userId: string, draft: Omit<Draft, 'v'>): Promise<void> {
    await this.redis.set(this.keys.draft(chatId, userId), JSON.stringify({ v: 1, ...draft }), 'EX', DRAFT_TTL_SECONDS);
  }

  /** Returns whether there was a draft. */
  async drop(chatId: string, userId: string): Promise<boolean> {
    return (await this.redis.del(this.keys.draft(chatId, userId))) > 0;
  }
}
