import { z } from 'zod';
import type { Span } from '../domain/period-span';
import type { Talk } from '../domain/talk';
import { DeptRecords } from './dept-records';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { idsInSpan } from './record-index';

const talkSchema = z.object({
  id: z.number(),
  at: z.number(),
  dayOnly: z.boolean().optional(),
  recordedAt: z.number(),
  recordedBy: z.string(),
  heldBy: z.array(z.string()),
  person: z.string(),
  unitIds: z.array(z.string()),
  reason: z.string(),
  issueIds: z.array(z.number()),
  chatId: z.string(),
});

/**
 * 提醒约谈 in Redis (docs/design.md §4.17): one JSON record per id, indexed by when it was held
 * district-wide, per unit it concerns and per person talked to, written with its audit entry
 * ("talk.add") by add-record.lua. A district holds tens of talks a year, so a scope's talks
 * are read whole (ids first, then one MGET) and paged in memory.
 */
export class TalkStore {
  private readonly records: DeptRecords;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.records = new DeptRecords(redis, keys);
  }

  /** Records a new talk with its audit entry; undefined if the write failed. */
  async add(input: Omit<Talk, 'id'>): Promise<Talk | undefined> {
    const id = await this.records.nextId(this.keys.talkSeq);
    const talk: Talk = { id, ...input };
    const member = String(id);
    const ok = await this.records.add(this.keys.talk(id), talk, { kind: 'talk.add', actor: input.recordedBy, at: input.recordedAt, what: talk }, [
      ['zadd', this.keys.talks, input.at, member],
      ['zadd', this.keys.personTalks(input.person), input.at, member],
      ...input.unitIds.map((u): ['zadd', string, number, string] => ['zadd', this.keys.unitTalks(u), input.at, member]),
    ]);
    return ok ? talk : undefined;
  }

  async get(id: number): Promise<Talk | undefined> {
    return (await this.records.getMany([this.keys.talk(id)], talkSchema))[0];
  }

  /** The talks concerning any of these units in the span (all time without one), oldest first, each once. */
  forUnits(unitIds: readonly string[], span?: Span): Promise<Talk[]> {
    return this.read(unitIds.map(this.keys.unitTalks), span);
  }

  /** The talks held with this person in the span, oldest first. */
  forPerson(userid: string, span?: Span): Promise<Talk[]> {
    return this.read([this.keys.personTalks(userid)], span);
  }

  /** Every talk of the district in the span, oldest first. */
  all(span?: Span): Promise<Talk[]> {
    return this.read([this.keys.talks], span);
  }

  /**
   * The latest talk since `since` with each of these units or persons (the 通报's "已于 11月20日
   * 约谈"): one ZREVRANGEBYSCORE … LIMIT 1 per set, so the cost is the number asked about.
   */
  async latestSince(sets: readonly { unitId: string; person?: string | undefined }[], since: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const read = (key: string) => this.redis.zrevrangebyscore(key, '+inf', since, 'WITHSCORES', 'LIMIT', 0, 1);
    const res = await Promise.all(sets.map((s) => Promise.all([read(this.keys.unitTalks(s.unitId)), s.person ? read(this.keys.personTalks(s.person)) : Promise.resolve([])])));
    sets.forEach((s, i) => {
      const times = res[i]!.flatMap((flat) => (flat.length >= 2 ? [Number(flat[1])] : []));
      if (times.length) out.set(s.unitId, Math.max(...times));
    });
    return out;
  }

  /** The department audit (shared with the practices, visits and score entries). */
  audit(count?: number) {
    return this.records.audit(count);
  }

  private async read(sets: readonly string[], span: Span | undefined): Promise<Talk[]> {
    const ids = [...new Set(await idsInSpan(this.redis, sets, span))];
    const out: Talk[] = [];
    for (let i = 0; i < ids.length; i += 200) out.push(...(await this.records.getMany(ids.slice(i, i + 200).map(this.keys.talk), talkSchema)));
    return out.sort((a, b) => a.at - b.at || a.id - b.id);
  }
}
