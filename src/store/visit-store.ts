import { z } from 'zod';
import type { CoverageReader } from '../domain/coverage';
import type { Span } from '../domain/period-span';
import { monthKey, startOfDay } from '../domain/time';
import { FORM_NAMES, type Visit } from '../domain/visit';
import { DeptRecords, type RecordOp } from './dept-records';
import { evidenceSchema } from './issue-codec';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { idsInSpan, pageInSpan } from './record-index';

const visitSchema = z.object({
  id: z.number(),
  unitId: z.string(),
  visitor: z.string(),
  at: z.number(),
  chatId: z.string(),
  form: z.enum(FORM_NAMES as [string, ...string[]]).optional(),
  fields: z.array(z.object({ name: z.string(), value: z.string() })),
  note: z.string().optional(),
  evidence: z.array(evidenceSchema),
  roundId: z.number().optional(),
}) as z.ZodType<Visit>;

/** Issue ids read per pipeline when linking visits to the issues reported on their day. */
const LINK_BATCH = 500;

/**
 * 走访 records in Redis: one JSON record per id, indexed by time district-wide and per unit,
 * counted per unit by month (and in all), and each unit's latest visit in one sorted set, so
 * coverage for a scope and period is a few HMGETs and one ZMSCORE.
 */
export class VisitStore implements CoverageReader {
  private readonly records: DeptRecords;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.records = new DeptRecords(redis, keys);
  }

  /** Records a new visit (with its audit entry "visit.add"); undefined if the write failed. */
  async add(input: Omit<Visit, 'id'>): Promise<Visit | undefined> {
    const id = await this.records.nextId(this.keys.visitSeq);
    const visit: Visit = { id, ...input };
    const member = String(id);
    const k = this.keys;
    const ok = await this.records.add(k.visit(id), visit, { kind: 'visit.add', actor: input.visitor, at: input.at, what: visit }, [
      ['zadd', k.visits, input.at, member],
      ['zadd', k.unitVisits(input.unitId), input.at, member],
      ['hincrby', k.visitCounts('all'), input.unitId, 1],
      ['hincrby', k.visitCounts(monthKey(input.at)), input.unitId, 1],
      ['zaddgt', k.visitLast, input.at, input.unitId],
      // A visit during a 巡查 round counts for the round's coverage.
      ...(input.roundId !== undefined ? [['zadd', k.roundVisits(input.roundId), input.at, member] satisfies RecordOp] : []),
    ]);
    return ok ? visit : undefined;
  }

  async get(id: number): Promise<Visit | undefined> {
    return (await this.records.getMany([this.keys.visit(id)], visitSchema))[0];
  }

  /** Visits by id, in order; missing ones are left out. */
  getMany(ids: readonly number[]): Promise<Visit[]> {
    return this.records.getMany(ids.map(this.keys.visit), visitSchema);
  }

  /** Newest first across the units, in the span, paged; with the total. */
  async page(unitIds: readonly string[], span: Span | undefined, offset: number, limit: number): Promise<{ total: number; visits: Visit[] }> {
    const { total, ids } = await pageInSpan(this.redis, unitIds.map(this.keys.unitVisits), span, offset, limit);
    return { total, visits: await this.records.getMany(ids.map(this.keys.visit), visitSchema) };
  }

  /** Every visit of the units in the span, oldest first, in batches (ids first, then one MGET per batch). */
  async *scan(unitIds: readonly string[], span: Span | undefined, batch = 200): AsyncGenerator<Visit[]> {
    const ids = await idsInSpan(this.redis, unitIds.map(this.keys.unitVisits), span);
    for (let i = 0; i < ids.length; i += batch) {
      const records = await this.records.getMany(ids.slice(i, i + batch).map(this.keys.visit), visitSchema);
      if (records.length) yield records;
    }
  }

  /**
   * What coverage reads (the counts of the period and the latest visits), or undefined while the
   * district has no visit on record: all three sent together, so /status stays one round trip
   * whether or not visits exist (the two reads are wasted, and cheap, in a district without any).
   */
  async coverageCounts(unitIds: readonly string[], months: readonly string[] | undefined): Promise<{ counts: Map<string, number>; last: Map<string, number> } | undefined> {
    const [any, counts, last] = await Promise.all([this.anyVisit(), this.visitCounts(unitIds, months), this.lastVisits(unitIds)]);
    return any ? { counts, last } : undefined;
  }

  async anyVisit(): Promise<boolean> {
    return (await this.redis.exists(this.keys.visits)) === 1;
  }

  async visitCounts(unitIds: readonly string[], months: readonly string[] | undefined): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!unitIds.length) return out;
    const buckets = months ?? ['all'];
    const res = await Promise.all(buckets.map((b) => this.redis.hmget(this.keys.visitCounts(b), ...unitIds)));
    for (const values of res) {
      values.forEach((v, i) => {
        if (v !== null) out.set(unitIds[i]!, (out.get(unitIds[i]!) ?? 0) + Number(v));
      });
    }
    return out;
  }

  async lastVisits(unitIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!unitIds.length) return out;
    const scores = await this.redis.zmscore(this.keys.visitLast, ...unitIds);
    scores.forEach((s, i) => {
      if (s !== null) out.set(unitIds[i]!, Number(s));
    });
    return out;
  }

  /**
   * The issues that belong to each visit: those of the visit's unit reported by the visitor on
   * the visit's (Shanghai) day. Derived when read, not stored: /上报 stays as it is, and an issue
   * reported before or after the visit is logged belongs to it either way. Each unit's issues
   * are read once (reporter and time only, a pipeline per batch) into an index by person and
   * day; pass `cache` to keep those indexes across calls (the sheet reads visits in batches).
   */
  async linkedIssues(visits: readonly Visit[], cache: Map<string, Map<string, number[]>> = new Map()): Promise<Map<number, number[]>> {
    const out = new Map<number, number[]>();
    for (const v of visits) {
      let index = cache.get(v.unitId);
      if (!index) {
        index = await this.unitIssueIndex(v.unitId);
        cache.set(v.unitId, index);
      }
      out.set(v.id, index.get(linkKey(v.visitor, v.at)) ?? []);
    }
    return out;
  }

  /**
   * The issues of one visit, read from the unit's newest issue back to the visit's day only (ids
   * grow with discovery time), so recording a visit costs the same in a unit of 20 000 issues as
   * in one of 20. At most LINK_SCAN_MAX issues are looked at: a day's reports are a handful.
   */
  async linkedToVisit(v: Visit): Promise<number[]> {
    const day = startOfDay(v.at);
    const found: number[] = [];
    for (let start = 0; start < LINK_SCAN_MAX; start += LINK_PAGE) {
      const ids = await this.redis.zrevrange(this.keys.byUnit(v.unitId), start, start + LINK_PAGE - 1);
      if (!ids.length) break;
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hmget(this.keys.issue(Number(id)), 'reporter', 'createdAt');
      const res = (await pipe.exec()) ?? [];
      let older = false;
      res.forEach(([err, value], j) => {
        if (err) throw err;
        const [reporter, createdAt] = value as (string | null)[];
        if (createdAt == null) return;
        if (startOfDay(Number(createdAt)) < day) older = true;
        else if (reporter === v.visitor && startOfDay(Number(createdAt)) === day) found.push(Number(ids[j]));
      });
      if (older || ids.length < LINK_PAGE) break;
    }
    return found.sort((a, b) => a - b);
  }

  /** One unit's issue ids by "reporter|day", ascending. */
  private async unitIssueIndex(unitId: string): Promise<Map<string, number[]>> {
    const index = new Map<string, number[]>();
    const ids = await this.redis.zrange(this.keys.byUnit(unitId), '0', '-1');
    for (let i = 0; i < ids.length; i += LINK_BATCH) {
      const slice = ids.slice(i, i + LINK_BATCH);
      // Issue keys share the {ledger} hash tag: one pipeline is one slot on a Cluster too.
      const pipe = this.redis.pipeline();
      for (const id of slice) pipe.hmget(this.keys.issue(Number(id)), 'reporter', 'createdAt');
      const res = (await pipe.exec()) ?? [];
      res.forEach(([err, value], j) => {
        if (err) throw err;
        const [reporter, createdAt] = value as (string | null)[];
        if (reporter == null || createdAt == null) return;
        const key = linkKey(reporter, Number(createdAt));
        index.set(key, [...(index.get(key) ?? []), Number(slice[j])]);
      });
    }
    return index;
  }

  /** The department audit (shared with the practices and the score entries). */
  audit(count?: number) {
    return this.records.audit(count);
  }
}

/** Pages of the backwards read of a unit's issues for one visit, and its bound. */
const LINK_PAGE = 50;
const LINK_SCAN_MAX = 2_000;

const linkKey = (who: string, at: number) => `${who}|${startOfDay(at)}`;
