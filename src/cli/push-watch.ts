import { createRedis, type RedisClient } from '../store/redis';

export interface SeenPush {
  chat: string;
  kind: string;
  content: string;
  mentions: string[];
}

/**
 * How the watcher's connection fares, once per change: `unreachable` when the first connection
 * fails, `lost` when a working one drops (the server stopped), `back` when it serves again.
 * Retries in between are silent.
 */
export type LinkEvent = 'unreachable' | 'lost' | 'back';

/**
 * Follows the local push sink (the Redis stream duban writes for chats without a group-robot
 * key) from now on, calling back for the pushes of one chat. Returns a stop function.
 */
export function watchPushes(
  url: string,
  streamKey: string,
  chatId: string,
  onPush: (p: SeenPush) => void,
  onError: (e: Error) => void,
  onLink: (e: LinkEvent) => void = () => undefined,
): () => void {
  return followStream(url, streamKey, '$', (f) => {
    if (f.get('chat') !== chatId) return;
    onPush({ chat: chatId, kind: f.get('kind') ?? '', content: f.get('content') ?? '', mentions: (f.get('mentions') ?? '').split(',').filter(Boolean) });
  }, onError, onLink);
}

/**
 * Reads one Redis stream after `from` (an entry id, or "$" for from now on) for as long as it
 * runs, each entry's fields as a map. One stream per connection: two keys of one XREAD must
 * share a hash slot on a Cluster, and the sink's key has no tag. Returns a stop function.
 */
export function followStream(
  url: string,
  streamKey: string,
  from: string,
  onEntry: (fields: Map<string, string>) => void,
  onError: (e: Error) => void,
  onLink: (e: LinkEvent) => void = () => undefined,
): () => void {
  // Its own connection (XREAD BLOCK holds it), waiting out a Redis restart rather than failing.
  const redis = createRedis(url, { maxRetriesPerRequest: null });
  let running = true;
  followLink(redis, onLink, () => running);
  void (async () => {
    try {
      // A first connection that fails is retried like a dropped one (reported by followLink);
      // the XREAD below waits in ioredis's offline queue until it serves.
      await redis.connect().catch(() => undefined);
      let last = from;
      while (running) {
        const res = await redis.xread('BLOCK', 5_000, 'STREAMS', streamKey, last);
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            last = id;
            const f = new Map<string, string>();
            for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
            onEntry(f);
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

/**
 * ioredis reports every failed attempt as an `error` event (and prints a stack for each one no
 * one listens to): listen, and turn the attempts into one event per change of state.
 */
function followLink(redis: RedisClient, onLink: (e: LinkEvent) => void, running: () => boolean): void {
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  const down = () => {
    if (!running() || state === 'down') return;
    onLink(state === 'up' ? 'lost' : 'unreachable');
    state = 'down';
  };
  redis.on('error', down);
  redis.on('close', () => {
    if (state === 'up') down();
  });
  redis.on('ready', () => {
    if (state === 'down' && running()) onLink('back');
    state = 'up';
  });
}
