import type { Result } from 'ioredis';
import { z } from 'zod';
import type { ManualEntry, ScoreTargetKind } from '../domain/scoring';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    withdrawScoreEntry(numKeys: number, ...args: (string | number)[]): Result<[number, string], Context>;
  }
}

/**
 * The department's manual score entries (/加分, /扣分: 表彰奖励, 宣传报道, 肯定性批示 …): one hash
 * per entry with who, when and why, an index by time, and the department's audit stream. An
 * entry is never deleted: /撤回加减分 marks it withdrawn (it then counts for nothing) and audits
 * that too. Points are kept in hundredths, as integers.
 */
export interface StoredEntry extends ManualEntry {
  /** What people called the target when the entry was made. */
  targetLabel: string;
  withdrawReason?: string;
}

export interface NewEntry {
  target: { kind: ScoreTargetKind; id: string; label: string };
  /** Positive for /加分, negative for /扣分. */
  points: number;
  reason: string;
  by: string;
  at: number;
}

export interface ScoreAuditRecord {
  action: 'bonus' | 'deduct' | 'withdraw';
  entry: number;
  targetKind: string;
  targetId: string;
  targetLabel: string;
  /** Hundredths of a point, signed. */
  points: number;
  reason: string;
  actor: string;
  at: number;
  note?: string;
}

const entrySchema = z.object({
  id: z.coerce.number().int(),
  targetKind: z.enum(['team', 'member', 'unit']),
  targetId: z.string(),
  targetLabel: z.string(),
  points: z.coerce.number().int(),
  reason: z.string(),
  by: z.string(),
  at: z.coerce.number().int(),
  status: z.enum(['active', 'withdrawn']),
  withdrawnBy: z.string().optional(),
  withdrawnAt: z.coerce.number().int().optional(),
  withdrawReason: z.string().optional(),
});

export type WithdrawResult = { ok: true; entry: StoredEntry } | { ok: false; reason: 'missing' } | { ok: false; reason: 'withdrawn'; entry: StoredEntry };

export class ScoreEntryStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    defineScripts(redis);
  }

  /** Records an entry with its audit line in one transaction; the number comes first (a failed write leaves a gap, never half an entry). */
  async add(input: NewEntry): Promise<StoredEntry> {
    const n = await this.redis.incr(this.keys.scoreEntrySeq);
    const centi = Math.round(input.points * 100);
    const fields: Record<string, string> = {
      id: String(n),
      targetKind: input.target.kind,
      targetId: input.target.id,
      targetLabel: input.target.label,
      points: String(centi),
      reason: input.reason,
      by: input.by,
      at: String(input.at),
      status: 'active',
    };
    const res = await this.redis
      .multi()
      .hset(this.keys.scoreEntry(n), fields)
      .zadd(this.keys.scoreEntries, input.at, String(n))
      .xadd(this.keys.scoreAudit, '*', ...auditFields({ action: centi >= 0 ? 'bonus' : 'deduct', entry: n, targetKind: input.target.kind, targetId: input.target.id, targetLabel: input.target.label, points: centi, reason: input.reason, actor: input.by, at: input.at }))
      .exec();
    const failed = res?.find(([err]) => err);
    if (!res || failed) throw failed?.[0] ?? new Error('score entry transaction aborted');
    return toEntry(entrySchema.parse(fields));
  }

  async get(n: number): Promise<StoredEntry | undefined> {
    const hash = await this.redis.hgetall(this.keys.scoreEntry(n));
    return Object.keys(hash).length ? toEntry(entrySchema.parse(hash)) : undefined;
  }

  /** Withdraws an entry still in force, atomically with its audit line. */
  async withdraw(n: number, by: string, at: number, reason = ''): Promise<WithdrawResult> {
    const [ok, status] = await this.redis.withdrawScoreEntry(2, this.keys.scoreEntry(n), this.keys.scoreAudit, by, String(at), reason, String(n));
    if (ok !== 1 && status === 'missing') return { ok: false, reason: 'missing' };
    const entry = await this.get(n);
    if (!entry) return { ok: false, reason: 'missing' };
    return ok === 1 ? { ok: true, entry } : { ok: false, reason: 'withdrawn', entry };
  }

  /** Entries made in [from, to] (epoch ms), oldest first. */
  async list(from = -Infinity, to = Infinity): Promise<StoredEntry[]> {
    const ids = await this.redis.zrangebyscore(this.keys.scoreEntries, from === -Infinity ? '-inf' : from, to === Infinity ? '+inf' : to);
    if (!ids.length) return [];
    const hashes = await Promise.all(ids.map((id) => this.redis.hgetall(this.keys.scoreEntry(Number(id)))));
    return hashes.filter((h) => Object.keys(h).length).map((h) => toEntry(entrySchema.parse(h)));
  }

  /** The department's score audit, oldest first. */
  async audit(): Promise<ScoreAuditRecord[]> {
    const raw = await this.redis.xrange(this.keys.scoreAudit, '-', '+');
    return raw.map(([, flat]) => {
      const m: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) m[flat[i]!] = flat[i + 1]!;
      const r: ScoreAuditRecord = {
        action: m.action as ScoreAuditRecord['action'],
        entry: Number(m.entry),
        targetKind: m.targetKind ?? '',
        targetId: m.targetId ?? '',
        targetLabel: m.targetLabel ?? '',
        points: Number(m.points),
        reason: m.reason ?? '',
        actor: m.actor ?? '',
        at: Number(m.at),
      };
      if (m.note) r.note = m.note;
      return r;
    });
  }
}

function auditFields(r: ScoreAuditRecord): string[] {
  const out = ['action', r.action, 'entry', String(r.entry), 'targetKind', r.targetKind, 'targetId', r.targetId, 'targetLabel', r.targetLabel, 'points', String(r.points), 'reason', r.reason, 'actor', r.actor, 'at', String(r.at)];
  if (r.note) out.push('note', r.note);
  return out;
}

function toEntry(r: z.output<typeof entrySchema>): StoredEntry {
  const e: StoredEntry = { id: r.id, target: { kind: r.targetKind, id: r.targetId }, targetLabel: r.targetLabel, points: r.points / 100, reason: r.reason, by: r.by, at: r.at };
  if (r.status === 'withdrawn') e.withdrawn = { by: r.withdrawnBy ?? '', at: r.withdrawnAt ?? 0 };
  if (r.withdrawReason) e.withdrawReason = r.withdrawReason;
  return e;
}
