import { createRedis } from '../store/redis';

export interface SeenPush {
  chat: string;
  kind: string;
  content: string;
  mentions: string[];
}

/**
 * Follows the local push sink (the Redis stream duban writes for chats without a group-robot
 * key) from now on, calling back for the pushes of one chat. Returns a stop function.
 */
export function watchPushes(url: string, streamKey: string, chatId: string, onPush: (p: SeenPush) => void, onError: (e: Error) => void): () => void {
  // Its own connection (XREAD BLOCK holds it), waiting out a Redis restart rather than failing.
  const redis = createRedis(url, { maxRetriesPerRequest: null });
  let running = true;
  void (async () => {
    try {
      await redis.connect();
      let last = '$';
      while (running) {
        const res = await redis.xread('BLOCK', 5_000, 'STREAMS', streamKey, last);
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            last = id;
            const f = new Map<string, string>();
            for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
            if (f.get('chat') !== chatId) continue;
            onPush({ chat: chatId, kind: f.get('kind') ?? '', content: f.get('content') ?? '', mentions: (f.get('mentions') ?? '').split(',').filter(Boolean) });
          }
        }
      }
    } catch (err) {
      if (running) onError(err as Error);
    }
  })();
  return () => {
    running = false;
    redis.disconnect();
  };
}
