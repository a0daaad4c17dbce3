import { z } from 'zod';
import { ISSUE_STATES } from '../domain/issue';
import { issueFacts, type AuditStep } from '../domain/scoring-facts';
import {
  emptyPartial,
  emptyPartialIds,
  mergePartial,
  mergePartialIds,
  partialOf,
  partialRulesKey,
  type IssueFacts,
  type PartialRules,
  type UnitPartial,
  type UnitPartialIds,
} from '../domain/scoring';
import { monthKey } from '../domain/time';
import { officialCalendar, type WorkCalendar } from '../parsing/deadline';
import { decodeIssue } from './issue-codec';
import type { Keys } from './keys';
import type { RedisClient } from './redis';

/**
 * The scores' per-unit partial results, cached in Redis by unit and discovery month, so
 * `/考核 全区` on 100 000 issues reads a few hundred small values instead of every issue
 * (docs/design.md §4.14).
 *
 * - `score:epoch:<unit>` (ledger keys): field "YYYYMM" counts the commits of that unit's
 *   issues discovered in that month; the commit script bumps it in the same atomic write.
 * - `score:dir:<unit>`: the unit's issue ids by discovery month (a discovery month never
 *   changes), with `_n` the number of ids it holds; brought up to date when the unit's index
 *   holds more ids than that.
 * - `score:part:<unit>` and `score:ids:<unit>`: field "YYYYMM" the month's partial and the
 *   issues behind it (read only for a breakdown), each tagged "<epoch>|<rules key>". A month
 *   whose tag differs from the counter is recomputed from that month's issues alone, the
 *   counter read before them.
 *
 * Nothing here is the ledger: the cache may be dropped at any time and is rebuilt on demand.
 * Reading the counter before the issues makes a race harmless: a commit in between leaves a
 * tag that no longer matches, and the month is read again next time.
 */
const auditStepSchema = z.object({ action: z.string(), from: z.enum(ISSUE_STATES).nullable(), to: z.enum(ISSUE_STATES), at: z.number() });
const monthsSchema = z.array(z.string().regex(/^\d{6}$/));
const idsSchema = z.array(z.number().int());

/** A cached value: its tag and the data. */
interface Cached<T> {
  tag: string;
  data: T;
}

function readCached<T>(raw: string | null | undefined): Cached<T> | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<Cached<T>>;
    return typeof v.tag === 'string' && v.data !== undefined && typeof v.data === 'object' ? (v as Cached<T>) : undefined;
  } catch {
    return undefined;
  }
}

export interface UnitScorePartial {
  partial: UnitPartial;
  ids?: UnitPartialIds;
}

export interface CacheStats {
  /** Unit-months read from the cache, and recomputed from their issues. */
  hits: number;
  recomputed: number;
  issuesRead: number;
}

export class ScoreCache {
  /** What the last partials() call did (for the bench and the tests). */
  last: CacheStats = { hits: 0, recomputed: 0, issuesRead: 0 };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly calendar: WorkCalendar = officialCalendar,
    private readonly batch = 500,
  ) {}

  /**
   * Each unit's partial summed over `months` (undefined: every month it has), with the issues
   * behind each deduction when `withIds`.
   */
  async partials(unitIds: readonly string[], months: readonly string[] | undefined, rules: PartialRules, withIds: boolean): Promise<Map<string, UnitScorePartial>> {
    const stats: CacheStats = { hits: 0, recomputed: 0, issuesRead: 0 };
    const rulesKey = partialRulesKey(rules);
    const results = await Promise.all(unitIds.map((u) => this.unit(u, months, rules, rulesKey, withIds, stats)));
    this.last = stats;
    return new Map(unitIds.map((u, i) => [u, results[i]!]));
  }

  private async unit(unitId: string, months: readonly string[] | undefined, rules: PartialRules, rulesKey: string, withIds: boolean, stats: CacheStats): Promise<UnitScorePartial> {
    // One round trip for a unit whose cache is fresh. A cached month counts only when its tag
    // equals the counter read here: counters only grow, so equal means no commit since it was built.
    const monthFields = (key: string) => (months ? this.redis.hmget(key, ...months).then((v) => Object.fromEntries(months.map((m, i) => [m, v[i]]))) : this.redis.hgetall(key));
    const [epochs, count, meta, parts, idParts] = await Promise.all([
      this.redis.hgetall(this.keys.scoreEpoch(unitId)),
      this.redis.zcard(this.keys.byUnit(unitId)),
      this.redis.hmget(this.keys.scoreDir(unitId), '_n', '_months'),
      monthFields(this.keys.scorePart(unitId)),
      withIds ? monthFields(this.keys.scoreIds(unitId)) : Promise.resolve(undefined),
    ]);
    let dirMonths = parseJson(meta[1], monthsSchema) ?? [];
    if (meta[0] === null || Number(meta[0]) !== count) dirMonths = await this.refreshDir(unitId);
    const known = new Set([...dirMonths, ...Object.keys(epochs)]);
    const wanted = (months ? months.filter((m) => known.has(m)) : [...known]).sort();
    const out: UnitScorePartial = withIds ? { partial: emptyPartial(), ids: emptyPartialIds() } : { partial: emptyPartial() };
    // One stale month at a time per unit: the units run side by side, and a cold start of a
    // whole district would otherwise hold hundreds of pipelines of issues in memory at once.
    for (const month of wanted) {
      const tag = `${epochs[month] ?? '0'}|${rulesKey}`;
      const partial = readCached<UnitPartial>(parts[month]);
      const ids = idParts ? readCached<UnitPartialIds>(idParts[month]) : undefined;
      let got: UnitScorePartial;
      if (partial?.tag === tag && (!withIds || ids?.tag === tag)) {
        stats.hits++;
        got = ids ? { partial: partial.data, ids: ids.data } : { partial: partial.data };
      } else {
        stats.recomputed++;
        got = await this.recomputeOnce(unitId, month, tag, rules, stats);
      }
      mergePartial(out.partial, got.partial);
      if (out.ids && got.ids) mergePartialIds(out.ids, got.ids);
    }
    return out;
  }

  /** Requests in flight on this instance share one recompute of a unit-month (WeCom re-sends a slow callback). */
  private readonly inFlight = new Map<string, Promise<Required<UnitScorePartial>>>();

  private recomputeOnce(unitId: string, month: string, tag: string, rules: PartialRules, stats: CacheStats): Promise<Required<UnitScorePartial>> {
    const key = `${unitId}|${month}|${tag}`;
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.recompute(unitId, month, tag, rules, stats).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }

  /** One unit-month from its issues and their audit lists; written back under `tag`. */
  private async recompute(unitId: string, month: string, tag: string, rules: PartialRules, stats: CacheStats): Promise<Required<UnitScorePartial>> {
    const ids = parseJson(await this.redis.hget(this.keys.scoreDir(unitId), month), idsSchema) ?? [];
    const facts: IssueFacts[] = [];
    for (let i = 0; i < ids.length; i += this.batch) {
      const slice = ids.slice(i, i + this.batch);
      const pipe = this.redis.pipeline();
      for (const id of slice) pipe.hgetall(this.keys.issue(id)).get(this.keys.issueHistory(id)).lrange(this.keys.audit(id), 0, -1);
      const res = (await pipe.exec()) ?? [];
      slice.forEach((id, j) => {
        const [hashErr, hash] = res[3 * j] ?? [];
        const [histErr, history] = res[3 * j + 1] ?? [];
        const [auditErr, audit] = res[3 * j + 2] ?? [];
        if (hashErr ?? histErr ?? auditErr) throw hashErr ?? histErr ?? auditErr;
        const fields = hash as Record<string, string>;
        if (!Object.keys(fields).length) return;
        const issue = decodeIssue(fields, (history as string | null) ?? null);
        const steps: AuditStep[] = (audit as string[]).map((line) => auditStepSchema.parse(JSON.parse(line)));
        facts.push({ id, reporter: issue.reporter, facts: issueFacts(issue, steps, rules, this.calendar) });
      });
      stats.issuesRead += slice.length;
    }
    const { partial, ids: behind } = partialOf(facts, rules);
    await Promise.all([
      this.redis.hset(this.keys.scorePart(unitId), month, JSON.stringify({ tag, data: partial })),
      this.redis.hset(this.keys.scoreIds(unitId), month, JSON.stringify({ tag, data: behind })),
    ]);
    return { partial, ids: behind };
  }

  /**
   * Adds the unit's ids the directory does not hold yet, by discovery month. Ids never leave a
   * unit's index and a discovery time never changes, so only new ids need reading. Two
   * refreshes at once may leave `_n` short; the next read refreshes again.
   */
  private async refreshDir(unitId: string): Promise<string[]> {
    const key = this.keys.scoreDir(unitId);
    const [members, dir] = await Promise.all([this.redis.zrange(this.keys.byUnit(unitId), '0', '-1'), this.redis.hgetall(key)]);
    const byMonth = new Map<string, number[]>();
    const known = new Set<number>();
    for (const [field, value] of Object.entries(dir)) {
      if (!/^\d{6}$/.test(field)) continue;
      const ids = parseJson(value, idsSchema) ?? [];
      byMonth.set(field, ids);
      for (const id of ids) known.add(id);
    }
    const unknown = members.map(Number).filter((id) => !known.has(id));
    const changed = new Set<string>();
    for (let i = 0; i < unknown.length; i += this.batch) {
      const slice = unknown.slice(i, i + this.batch);
      const pipe = this.redis.pipeline();
      for (const id of slice) pipe.hget(this.keys.issue(id), 'createdAt');
      const res = (await pipe.exec()) ?? [];
      slice.forEach((id, j) => {
        const [err, createdAt] = res[j] ?? [];
        if (err) throw err;
        if (createdAt === null || createdAt === undefined) return;
        const month = monthKey(Number(createdAt));
        const list = byMonth.get(month) ?? [];
        list.push(id);
        byMonth.set(month, list);
        changed.add(month);
        known.add(id);
      });
    }
    const months = [...byMonth.keys()].sort();
    const writes: string[] = ['_n', String(known.size), '_months', JSON.stringify(months)];
    for (const m of changed) writes.push(m, JSON.stringify(byMonth.get(m)!.sort((a, b) => a - b)));
    await this.redis.hset(key, ...writes);
    return months;
  }
}

function parseJson<T>(raw: string | null | undefined, schema: z.ZodType<T>): T | undefined {
  if (!raw) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
