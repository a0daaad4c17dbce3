import { z } from 'zod';
import type { Span } from '../domain/period-span';
import type { Practice } from '../domain/practice';
import { DeptRecords } from './dept-records';
import { evidenceSchema } from './issue-codec';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { idsInSpan, pageInSpan } from './record-index';

const practiceSchema = z.object({
  id: z.number(),
  unitId: z.string(),
  author: z.string(),
  at: z.number(),
  chatId: z.string(),
  text: z.string(),
  evidence: z.array(evidenceSchema),
});

/**
 * 典型经验 in Redis: one JSON record per id, indexed by time district-wide and per unit, so a
 * scope and period is read from its units' sorted sets without touching any other record.
 */
export class PracticeStore {
  private readonly records: DeptRecords;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.records = new DeptRecords(redis, keys);
  }

  /** Records a new practice (with its audit entry "practice.add"); undefined if the write failed. */
  async add(input: Omit<Practice, 'id'>): Promise<Practice | undefined> {
    const id = await this.records.nextId(this.keys.practiceSeq);
    const practice: Practice = { id, ...input };
    const member = String(id);
    const ok = await this.records.add(this.keys.practice(id), practice, { kind: 'practice.add', actor: input.author, at: input.at, what: practice }, [
      ['zadd', this.keys.practices, input.at, member],
      ['zadd', this.keys.unitPractices(input.unitId), input.at, member],
    ]);
    return ok ? practice : undefined;
  }

  async get(id: number): Promise<Practice | undefined> {
    return (await this.records.getMany([this.keys.practice(id)], practiceSchema))[0];
  }

  /** Newest first across the units, in the span (all time without one), paged; with the total. */
  async page(unitIds: readonly string[], span: Span | undefined, offset: number, limit: number): Promise<{ total: number; practices: Practice[] }> {
    const { total, ids } = await pageInSpan(this.redis, unitIds.map(this.keys.unitPractices), span, offset, limit);
    return { total, practices: await this.records.getMany(ids.map(this.keys.practice), practiceSchema) };
  }

  /**
   * Every practice of the units in the span, oldest first, in batches (the ids first — a few
   * bytes each — then the records one MGET per batch): for the 典型经验 sheet and the summaries.
   */
  async *scan(unitIds: readonly string[], span: Span | undefined, batch = 200): AsyncGenerator<Practice[]> {
    const ids = await idsInSpan(this.redis, unitIds.map(this.keys.unitPractices), span);
    for (let i = 0; i < ids.length; i += batch) {
      const records = await this.records.getMany(ids.slice(i, i + batch).map(this.keys.practice), practiceSchema);
      if (records.length) yield records;
    }
  }

  /** The department audit (shared with the visits and the score entries). */
  audit(count?: number) {
    return this.records.audit(count);
  }
}
