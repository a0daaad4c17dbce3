import type { Issue, IssueState } from '../domain/issue';
import { monthKey } from '../domain/time';
import { decodeIssue } from './issue-codec';
import type { Keys } from './keys';
import type { RedisClient } from './redis';

/**
 * Every issue of a scope, for the readers that need whole records (the 台账 export, the scores,
 * the summaries): the ids first (numbers are small: 100 000 of them are under a megabyte), then
 * the records in batches, each batch read in one pipeline, so the issues themselves never sit in
 * memory all at once. In id order (序号), which is discovery order for issues reported in chat.
 */
export interface ScanOptions {
  unitIds: readonly string[];
  /** Only issues discovered in these months ("YYYYMM"); all when unset. */
  months?: readonly string[] | undefined;
  /** Only issues in these states; all when unset. */
  states?: readonly IssueState[] | undefined;
  /** Records per pipeline (default 500). */
  batch?: number;
}

export async function scopeIssueIds(redis: RedisClient, keys: Keys, opts: Pick<ScanOptions, 'unitIds' | 'states'>): Promise<number[]> {
  const sets = opts.states ? opts.unitIds.flatMap((u) => opts.states!.map((s) => keys.byUnitState(u, s))) : opts.unitIds.map((u) => keys.byUnit(u));
  const lists = await Promise.all(sets.map((k) => redis.zrange(k, '0', '-1')));
  const ids = new Set<number>();
  for (const list of lists) for (const id of list) ids.add(Number(id));
  return [...ids].sort((a, b) => a - b);
}

/** Batches of issues, in id order; stop iterating to stop reading. */
export async function* scanIssues(redis: RedisClient, keys: Keys, opts: ScanOptions): AsyncGenerator<Issue[]> {
  const ids = await scopeIssueIds(redis, keys, opts);
  const months = opts.months ? new Set(opts.months) : undefined;
  const size = Math.max(1, opts.batch ?? 500);
  for (let i = 0; i < ids.length; i += size) {
    const slice = ids.slice(i, i + size);
    const pipe = redis.pipeline();
    for (const id of slice) pipe.hgetall(keys.issue(id)).get(keys.issueHistory(id));
    const res = (await pipe.exec()) ?? [];
    const batch: Issue[] = [];
    for (let j = 0; j < slice.length; j++) {
      const [hashErr, hash] = res[2 * j] ?? [];
      const [histErr, history] = res[2 * j + 1] ?? [];
      if (hashErr) throw hashErr;
      if (histErr) throw histErr;
      const fields = hash as Record<string, string>;
      if (!Object.keys(fields).length) continue;
      const issue = decodeIssue(fields, (history as string | null) ?? null);
      if (months && !months.has(monthKey(issue.createdAt))) continue;
      batch.push(issue);
    }
    if (batch.length) yield batch;
  }
}
