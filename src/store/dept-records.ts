import type { Result } from 'ioredis';
import { z } from 'zod';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    addRecord(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
  }
}

/** An index or counter write that goes with a new record (add-record.lua applies them). */
export type RecordOp = ['zadd' | 'zaddgt', string, number, string] | ['hincrby', string, string, number];

/**
 * One entry of the department's audit (典型经验, 走访, and the score entries): who did what when.
 * `kind` is "<record>.<step>" ("practice.add", "visit.add"); `what` is the record as written.
 */
export interface DeptAuditEntry {
  /** The stream entry's id. */
  id: string;
  kind: string;
  actor: string;
  at: number;
  what: unknown;
}

const auditEntrySchema = z.object({ kind: z.string(), actor: z.string(), at: z.number(), what: z.unknown() });

/**
 * The department's records in Redis: each one a JSON string under a sequence id, with its
 * indexes, written with its audit entry by one script (add-record.lua). Nothing is ever
 * changed or deleted.
 */
export class DeptRecords {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {
    defineScripts(redis);
  }

  /** The next id of a sequence; a failed write leaves a gap. */
  nextId(seqKey: string): Promise<number> {
    return this.redis.incr(seqKey);
  }

  /** Writes a new record with its ops and audit entry; false when the id is taken. */
  async add(recordKey: string, record: unknown, audit: Omit<DeptAuditEntry, 'id'>, ops: readonly RecordOp[]): Promise<boolean> {
    const keyList: string[] = [];
    const ref = (k: string) => {
      let i = keyList.indexOf(k);
      if (i < 0) i = keyList.push(k) - 1;
      return i + 1;
    };
    const encoded = ops.map((op) => [op[0], ref(op[1]), op[2], op[3]]);
    const ok = await this.redis.addRecord(2 + keyList.length, recordKey, this.keys.deptAudit, ...keyList, JSON.stringify(record), JSON.stringify(audit), JSON.stringify(encoded));
    return ok === 1;
  }

  /** Records by key, in order; missing ones are left out. */
  async getMany<T>(recordKeys: readonly string[], schema: z.ZodType<T>): Promise<T[]> {
    if (!recordKeys.length) return [];
    // One MGET: the keys share the {dept} hash tag, so it works on a Cluster too.
    const raw = await this.redis.mget(...recordKeys);
    const out: T[] = [];
    for (const json of raw) if (json !== null) out.push(schema.parse(JSON.parse(json)));
    return out;
  }

  /** The newest `count` audit entries, oldest first. */
  async audit(count = 100): Promise<DeptAuditEntry[]> {
    const raw = await this.redis.xrevrange(this.keys.deptAudit, '+', '-', 'COUNT', count);
    return raw.reverse().map(([id, fields]) => {
      const at = fields.findIndex((f, i) => i % 2 === 0 && f === 'entry');
      const e = auditEntrySchema.parse(JSON.parse(at < 0 ? 'null' : (fields[at + 1] ?? 'null')));
      return { id, kind: e.kind, actor: e.actor, at: e.at, what: e.what };
    });
  }
}
