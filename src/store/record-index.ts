import type { Span } from '../domain/period-span';
import type { RedisClient } from './redis';

/**
 * Reading time-scored sorted sets of record ids (member = id, score = ms) for several units at
 * once: a page, newest first, reads only offset+limit members of each set; a full read returns
 * the ids alone, oldest first.
 */
const bounds = (span: Span | undefined): [string, string] => (span ? [String(span.from), `(${span.to}`] : ['-inf', '+inf']);

export async function pageInSpan(redis: RedisClient, sets: readonly string[], span: Span | undefined, offset: number, limit: number): Promise<{ total: number; ids: number[] }> {
  if (!sets.length) return { total: 0, ids: [] };
  const [min, max] = bounds(span);
  const res = await Promise.all(
    sets.map((k) => Promise.all([redis.zcount(k, min, max), redis.zrevrangebyscore(k, max, min, 'WITHSCORES', 'LIMIT', 0, offset + limit)])),
  );
  let total = 0;
  const all: { id: number; at: number }[] = [];
  for (const [count, flat] of res) {
    total += count;
    for (let i = 0; i + 1 < flat.length; i += 2) all.push({ id: Number(flat[i]), at: Number(flat[i + 1]) });
  }
  all.sort((a, b) => b.at - a.at || b.id - a.id);
  return { total, ids: all.slice(offset, offset + limit).map((e) => e.id) };
}

export async function idsInSpan(redis: RedisClient, sets: readonly string[], span: Span | undefined): Promise<number[]> {
  if (!sets.length) return [];
  const [min, max] = bounds(span);
  const res = await Promise.all(sets.map((k) => redis.zrangebyscore(k, min, max, 'WITHSCORES')));
  const all: { id: number; at: number }[] = [];
  for (const flat of res) for (let i = 0; i + 1 < flat.length; i += 2) all.push({ id: Number(flat[i]), at: Number(flat[i + 1]) });
  all.sort((a, b) => a.at - b.at || a.id - b.id);
  return all.map((e) => e.id);
}
