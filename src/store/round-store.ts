import type { Result } from 'ioredis';
import { z } from 'zod';
import type { Issue } from '../domain/issue';
import type { Org } from '../domain/org';
import { isOpen, overlapping, type Round } from '../domain/round';
import { roundFigures, type RoundFigures } from '../domain/round-figures';
import type { Visit } from '../domain/visit';
import { checklistMatcher } from '../parsing/checklist';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    roundOpen(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
    roundClose(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
  }
}

const roundSchema = z.object({
  id: z.number(),
  name: z.string(),
  scopeLabel: z.string(),
  unitIds: z.array(z.string()),
  openedBy: z.string(),
  openedAt: z.number(),
  chatId: z.string(),
  closedBy: z.string().optional(),
  closedAt: z.number().optional(),
}) as z.ZodType<Round>;

/** An open round as read, with its units as a set for the per-message look-up. */
interface OpenRound {
  round: Round;
  units: ReadonlySet<string>;
}

export type OpenResult = { kind: 'opened'; round: Round } | { kind: 'overlap'; rounds: Round[] };

/** Attempts when another admin's open or close lands between our read and our write. */
const OPEN_ATTEMPTS = 5;

/**
 * 巡查 rounds in Redis (`{dept}`): one JSON record per id, the ids by opening time, the set of
 * open ones, the visits logged during each; opening and closing each one script with the
 * department audit entry (round-open.lua, round-close.lua). The issues of a round are indexed
 * by the ledger's own commit (byRound, src/store/ledger-ops.ts).
 */
export class RoundStore {
  /** The open rounds this process has read, by id (see openEntries). */
  private readonly openRounds = new Map<number, OpenRound>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    // A no-op on the app's client (createRedis defined them); a client made elsewhere gets them here.
    defineScripts(redis);
  }

  async get(id: number): Promise<Round | undefined> {
    return (await this.many([id]))[0];
  }

  /** Every round, oldest first (a district runs about one a month: a few hundred at most). */
  async all(): Promise<Round[]> {
    return this.many((await this.redis.zrange(this.keys.rounds, '0', '-1')).map(Number));
  }

  /** The rounds open now, oldest first. */
  async open(): Promise<Round[]> {
    return (await this.openEntries()).map((e) => e.round);
  }

  /**
   * The round open for a unit now, if any: every /上报 and /走访 asks, so it costs one SMEMBERS
   * and a set look-up — the rounds' records are read and parsed once while they are open.
   */
  async openFor(unitId: string): Promise<Round | undefined> {
    return (await this.openEntries()).find((e) => e.units.has(unitId))?.round;
  }

  /**
   * The open rounds, each read once per process while it is open: a round's record is written
   * at its open and at its close only, and the close takes it out of the open set, so an id still
   * in that set names the record this process read (a 全区 round of a large district carries some
   * 100 000 unit ids, about 1.2 MB of JSON, which the hot path must not fetch and parse each time).
   * The open set is read every time, so a round another instance closed or opened is seen at once.
   */
  private async openEntries(): Promise<OpenRound[]> {
    const ids = (await this.redis.smembers(this.keys.openRounds)).map(Number).sort((a, b) => a - b);
    const live = new Set(ids);
    for (const id of this.openRounds.keys()) if (!live.has(id)) this.openRounds.delete(id);
    const missing = ids.filter((id) => !this.openRounds.has(id));
    // Closed between the SMEMBERS and the MGET: left out, as the close came first.
    for (const round of await this.many(missing)) if (isOpen(round)) this.openRounds.set(round.id, { round, units: new Set(round.unitIds) });
    return ids.map((id) => this.openRounds.get(id)).filter((e): e is OpenRound => e !== undefined);
  }

  /**
   * Opens a round unless one open already shares a unit with it (at most one open round per
   * unit). The overlap is checked against the open set the script sees, so two admins opening
   * overlapping rounds at once cannot both succeed.
   */
  async start(input: Omit<Round, 'id' | 'closedAt' | 'closedBy'>): Promise<OpenResult> {
    let id: number | undefined;
    for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
      const open = await this.open();
      const clash = overlapping(open, input.unitIds);
      if (clash.length) return { kind: 'overlap', rounds: clash };
      // The id is taken once: a retry after a concurrent change reuses it.
      id ??= await this.redis.incr(this.keys.roundSeq);
      const round: Round = { id, ...input };
      const seen = open.map((r) => r.id).join(',');
      const audit = { kind: 'round.open', actor: input.openedBy, at: input.openedAt, what: round };
      const k = this.keys;
      const res = await this.redis.roundOpen(4, k.round(id), k.rounds, k.openRounds, k.deptAudit, JSON.stringify(round), JSON.stringify(audit), id, input.openedAt, seen);
      if (res === 1) return { kind: 'opened', round };
      if (res === 0) id = undefined; // the id was taken: take another
    }
    throw new Error('round-open: the open rounds kept changing');
  }

  /** Closes an open round; undefined when it is not open (closed by someone else first). */
  async close(round: Round, by: string, at: number): Promise<Round | undefined> {
    const closed: Round = { ...round, closedBy: by, closedAt: at };
    const audit = { kind: 'round.close', actor: by, at, what: { id: round.id, name: round.name, closedAt: at } };
    const res = await this.redis.roundClose(3, this.keys.round(round.id), this.keys.openRounds, this.keys.deptAudit, JSON.stringify(closed), JSON.stringify(audit), round.id);
    return res === 1 ? closed : undefined;
  }

  /** The ids of the issues reported during a round, ascending. */
  async issueIds(id: number): Promise<number[]> {
    return (await this.redis.zrange(this.keys.byRound(id), '0', '-1')).map(Number);
  }

  /** The ids of the visits logged during a round, oldest first. */
  async visitIds(id: number): Promise<number[]> {
    return (await this.redis.zrange(this.keys.roundVisits(id), '0', '-1')).map(Number);
  }

  private async many(ids: readonly number[]): Promise<Round[]> {
    if (!ids.length) return [];
    // One MGET: the round keys share the {dept} hash tag.
    const raw = await this.redis.mget(...ids.map(this.keys.round));
    return raw.filter((j): j is string => j !== null).map((j) => roundSchema.parse(JSON.parse(j)));
  }
}

/** What the figures of a round read: its issues from the ledger, its visits from the records. */
export interface RoundReadDeps {
  ledger: { getMany(ids: readonly number[]): Promise<Issue[]> };
  rounds: RoundStore;
  visits: { getMany(ids: readonly number[]): Promise<Visit[]> };
}

/** The figures of a round for a part of its units (docs/design.md §4.19). */
export async function readRoundFigures(deps: RoundReadDeps, org: Org, round: Round, part: readonly string[], now: number): Promise<RoundFigures> {
  const [issueIds, visitIds] = await Promise.all([deps.rounds.issueIds(round.id), deps.rounds.visitIds(round.id)]);
  const [issues, visits] = await Promise.all([deps.ledger.getMany(issueIds), deps.visits.getMany(visitIds)]);
  const matcher = org.checklist.length ? checklistMatcher(org.checklist) : undefined;
  return roundFigures(org, matcher, round, part, issues, visits.map((v) => v.unitId), now);
}
