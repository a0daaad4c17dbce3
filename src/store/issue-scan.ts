import type { Result } from 'ioredis';
import type { Issue, IssueState } from '../domain/issue';
import { monthKey } from '../domain/time';
import { decodeStoredIssue } from './issue-codec';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';

/**
 * Every issue of a scope, for the readers that need whole records (the 台账 export, the scores,
 * the summaries): the ids first (numbers are small: 100 000 of them are under a megabyte), then
 * the records in batches, each batch read in one round trip (a read-only script, see
 * lua/scan-issues.lua), so the issues themselves never sit in memory all at once. In id order
 * (序号), which is discovery order for issues reported in chat.
 */
export interface ScanOptions {
  unitIds: readonly string[];
  /** Only issues discovered in these months ("YYYYMM"); all when unset. */
  months?: readonly string[] | undefined;
  /** Only issues in these states; all when unset. */
  states?: readonly IssueState[] | undefined;
  /** Records per round trip (default 500). */
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
  for await (const batch of scanBatches(redis, keys, opts, 0)) yield batch.map((r) => r.issue);
}

/** An issue with the newest entries of its audit list (raw JSON, oldest first). */
export interface IssueWithAudit {
  issue: Issue;
  audit: string[];
}

/**
 * The same batches, each issue with the newest `auditTail` entries of its audit list, read in
 * the same round trip (the 台账's 核验人 is the actor of a closed issue's last verify entry).
 */
export function scanIssuesWithAudit(redis: RedisClient, keys: Keys, opts: ScanOptions, auditTail: number): AsyncGenerator<IssueWithAudit[]> {
  return scanBatches(redis, keys, opts, Math.max(0, Math.floor(auditTail)));
}

async function* scanBatches(redis: RedisClient, keys: Keys, opts: ScanOptions, auditTail: number): AsyncGenerator<IssueWithAudit[]> {
  defineScripts(redis);
  const ids = await scopeIssueIds(redis, keys, opts);
  const months = opts.months ? new Set(opts.months) : undefined;
  const size = Math.max(1, opts.batch ?? 500);
  const read = (from: number) => {
    if (from >= ids.length) return undefined;
    const args = ids.slice(from, from + size).flatMap((id) => [keys.issue(id), keys.issueHistory(id), keys.audit(id)]);
    const pending = redis.scanIssueBatch(args.length, ...args, String(auditTail));
    // Read ahead: Redis works on the next batch while the caller works on this one. A caller
    // that stops early leaves one read in flight; its failure then concerns nobody.
    pending.catch(() => undefined);
    return pending;
  };
  let next = read(0);
  for (let from = 0; next; from += size) {
    const raw = await next;
    next = read(from + size);
    const batch: IssueWithAudit[] = [];
    for (let j = 0; j + 2 < raw.length; j += 3) {
      if (!raw[j]) continue;
      const fields = hashFields(raw[j]!) ?? (await redis.hgetall(keys.issue(ids[from + j / 3]!)));
      // The period filter before decoding: a quarter's export of a large ledger decodes only its own issues.
      const createdAt = Number(fields.createdAt);
      if (months && Number.isFinite(createdAt) && !months.has(monthKey(createdAt))) continue;
      const issue = decodeStoredIssue(fields, raw[j + 1] || null);
      batch.push({ issue, audit: raw[j + 2] ? raw[j + 2]!.split('\n') : [] });
    }
    if (batch.length) yield batch;
  }
}

/**
 * An issue a read script returned as its joined hash and its history (read-page.lua,
 * read-report.lua). A hash holding a NUL cannot be split: it is read again the plain way (one more
 * trip, never in practice).
 */
export async function issueFromScript(redis: RedisClient, keys: Pick<Keys, 'issue'>, id: number, joined: string, history: string): Promise<Issue> {
  const fields = (joined ? hashFields(joined) : {}) ?? (await redis.hgetall(keys.issue(id)));
  return decodeStoredIssue(fields, history || null);
}

/**
 * "n\0field\0value…" as the script joins a hash (scan-issues.lua, read-page.lua); undefined
 * when a value held a NUL itself, and the caller reads that hash again the plain way.
 */
export function hashFields(joined: string): Record<string, string> | undefined {
  const parts = joined.split('\0');
  if (Number(parts[0]) !== parts.length - 1) return undefined;
  const fields: Record<string, string> = {};
  for (let k = 1; k + 1 < parts.length; k += 2) fields[parts[k]!] = parts[k + 1]!;
  return fields;
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    scanIssueBatch(numKeys: number, ...args: string[]): Result<string[], Context>;
  }
}

