import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseJsonOrUndefined } from '../parsing/json';
import { createRedis, type RedisClient } from '../store/redis';
import { templateCardSchema, type TemplateCard } from '../transport/template-card';
import { followStream } from './push-watch';

/**
 * In WeCom the whole group sees the card of a reply, and anyone in it may click it; the server
 * answers a card only to the callback of the message (or click) that asked. So the terminal that
 * got a card in a group writes it to a small stream (Keys.chatCards), and every terminal watching
 * that chat shows it — a card that came with a reply (`card`) or the update a click got
 * (`update`). The server neither writes nor reads this stream.
 */
export interface SharedCard {
  chat: string;
  kind: 'card' | 'update';
  card: TemplateCard;
  /** Userid of the sender (card) or of the clicker (update). */
  who: string;
  /** For an update: the text of the button clicked. */
  button?: string;
  at: number;
  /** The terminal that wrote it (it has shown the card already). */
  client: string;
}

/** The stream keeps the latest cards only: a terminal reads what came since it started. */
const STREAM_MAXLEN = 1_000;
/** A card is a few hundred bytes; anything much larger was not written by a client. */
const MAX_CARD_JSON = 16 * 1024;

const entrySchema = z.object({
  chat: z.string().min(1).max(128),
  kind: z.enum(['card', 'update']),
  card: z
    .string()
    .max(MAX_CARD_JSON)
    .transform((s, ctx) => {
      const card = templateCardSchema.safeParse(parseJsonOrUndefined(s));
      if (!card.success) {
        ctx.addIssue({ code: 'custom', message: 'not a template card' });
        return z.NEVER;
      }
      return card.data;
    }),
  who: z.string().min(1).max(64),
  button: z.string().max(20).optional(),
  at: z.coerce.number().int().nonnegative(),
  client: z.string().min(1).max(64),
});

/** A stream entry as a shared card, or undefined when it is not one (junk is skipped, never shown). */
export function readSharedCard(fields: Map<string, string>): SharedCard | undefined {
  const parsed = entrySchema.safeParse(Object.fromEntries(fields));
  return parsed.success ? (parsed.data as SharedCard) : undefined;
}

export interface CardShare {
  /** This terminal's id in the entries it writes. */
  readonly client: string;
  /** Writes a card for the other terminals in `chat`; rejects when Redis does not take it. */
  share(c: Omit<SharedCard, 'client' | 'at'>): Promise<void>;
  stop(): void;
}

/**
 * Shares this terminal's cards and follows the others' in one chat, from `since` (ms; the
 * client's start, so nothing is missed between the start and the first read) on.
 */
export function cardShare(
  url: string,
  streamKey: string,
  chatId: string,
  since: number,
  onCard: (c: SharedCard) => void,
  onError: (e: Error) => void,
): CardShare {
  const client = randomBytes(6).toString('hex');
  let writer: RedisClient | undefined;
  const stopReading = followStream(
    url,
    streamKey,
    `${since}-0`,
    (fields) => {
      const c = readSharedCard(fields);
      if (c && c.chat === chatId && c.client !== client) onCard(c);
    },
    onError,
  );
  return {
    client,
    async share(c) {
      // Its own connection: the reader's is held by XREAD BLOCK.
      writer ??= createRedis(url);
      const fields = ['chat', c.chat, 'kind', c.kind, 'card', JSON.stringify(c.card), 'who', c.who, ...(c.button ? ['button', c.button] : []), 'at', String(Date.now()), 'client', client];
      await writer.xadd(streamKey, 'MAXLEN', '~', String(STREAM_MAXLEN), '*', ...fields);
    },
    stop() {
      stopReading();
      writer?.disconnect();
    },
  };
}
