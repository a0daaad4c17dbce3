import type { Issue } from '../domain/issue';
import { createIssue, isRefusal, type Outcome } from '../domain/lifecycle';
import { revisitAt } from '../domain/revisit';
import type { Policy } from '../config/org-schema';
import { officialCalendar } from '../parsing/deadline';
import type { LedgerStore } from '../store/ledger-store';
import type { PlacedRow } from './ledger-rows';

/**
 * Creates the placed rows of a 台账 as issues through the ledger's own commit (the script the
 * chat's /上报 uses, plus the row's fingerprint checked and recorded in the same step), audited
 * as 导入 with the source file and row, then queues their timers (the reminders of the open ones,
 * the 回头看 of those closed recently enough to still have one ahead) in BullMQ's delayed set, where
 * the running bot's workers fire them. Batches: one HMGET of fingerprints, one INCRBY of ids,
 * the batch's scripts pipelined, one addBulk of timers.
 */
export const IMPORT_ACTION = 'import';
const BATCH = 1000;
const LANES = 3;
/** Rows per batch of the streaming writer. */
export const IMPORT_BATCH = BATCH;

export interface ApplyDeps {
  store: LedgerStore;
  /** The timers (jobs/timers/timer-jobs.ts TimerScheduler.syncMany). */
  timers: { syncMany(changes: readonly { before: Issue | undefined; after: Issue }[], now: number): Promise<void> };
  policy: Pick<Policy, 'revisitAfter' | 'remindAt'>;
  /** The importing admin's userid: the audit entries' actor. */
  by: string;
  /** The file's name, as the audit notes name it. */
  source: string;
  now: number;
  onProgress?: (done: number) => void;
}

export interface ApplyResult {
  created: number;
  already: number;
  /** Timer jobs queued (reminders and 回头看). */
  timers: number;
  /** The ids created, in row order. */
  ids: number[];
}

/** Every placed row, a batch at a time (the rows already read). */
export async function applyImport(rows: readonly PlacedRow[], deps: ApplyDeps): Promise<ApplyResult> {
  const writer = new ImportWriter(deps);
  for (let start = 0; start < rows.length; start += BATCH) await writer.add(rows.slice(start, start + BATCH));
  return writer.finish();
}

/**
 * Writes batches as the sheet is read (`npm run ledger -- import --apply` reads and writes at
 * once: Node parses the next rows while Redis runs this batch's scripts). Up to LANES batches in
 * flight; add() waits when they are all busy. Ids are numbered in row order: each batch's INCRBY
 * follows the previous batch's on the one connection.
 */
export class ImportWriter {
  private readonly inFlight: Promise<void>[] = [];
  private readonly idsByBatch: number[][] = [];
  private readonly result: ApplyResult = { created: 0, already: 0, timers: 0, ids: [] };
  private rows = 0;

  constructor(private readonly deps: ApplyDeps) {}

  async add(batch: readonly PlacedRow[]): Promise<void> {
    if (!batch.length) return;
    const slot: number[] = [];
    this.idsByBatch.push(slot);
    const p = this.write(batch, slot);
    p.catch(() => undefined); // awaited below or in finish(); never an unhandled rejection meanwhile
    this.inFlight.push(p);
    if (this.inFlight.length >= LANES) await this.inFlight.shift();
  }

  async finish(): Promise<ApplyResult> {
    while (this.inFlight.length) await this.inFlight.shift();
    this.result.ids = this.idsByBatch.flat();
    this.result.created = this.result.ids.length;
    return this.result;
  }

  private async write(batch: readonly PlacedRow[], ids: number[]): Promise<void> {
    const { store, timers } = this.deps;
    const known = await store.importedRows(batch.map((r) => r.fingerprint));
    const fresh = batch.filter((r) => !known.has(r.fingerprint));
    this.result.already += batch.length - fresh.length;
    if (fresh.length) {
      const first = await store.nextIds(fresh.length);
      const outcomes = fresh.map((r, i) => importOutcome(r, first + i, this.deps.source));
      const written = await Promise.all(outcomes.map((o, i) => store.importNew(o, this.deps.by, this.deps.now, fresh[i]!.fingerprint)));
      const changes: { before: undefined; after: Issue }[] = [];
      written.forEach((w, i) => {
        const issue = outcomes[i]!.issue;
        if (w.kind === 'created') {
          ids.push(issue.id);
          if (needsTimer(issue, this.deps)) changes.push({ before: undefined, after: issue });
        } else if (w.kind === 'already') this.result.already++; // another import of the same row got there first
        else throw new Error(`issue id #${issue.id} is taken: the id sequence is behind the ledger`);
      });
      if (changes.length) await timers.syncMany(changes, this.deps.now);
      this.result.timers += changes.length;
    }
    this.rows += batch.length;
    this.deps.onProgress?.(this.rows);
  }
}

/** The row as a new issue: 上报 (and 交办 to the secretary) at 发现时间, or already 已销号. */
export function importOutcome(r: PlacedRow, id: number, source: string): Outcome {
  const made = createIssue(
    {
      id,
      unitId: r.unit.id,
      teamIds: r.teamIds,
      description: r.description,
      ...(r.category ? { category: r.category } : {}),
      homeChat: r.homeChat,
      ...(r.assignee ? { assignee: r.assignee } : {}),
      ...(r.deadline !== undefined ? { deadline: r.deadline } : {}),
      evidence: [],
    },
    // The sheet is the record: the import stands in for 组织部, whoever found the problem.
    { userid: r.reporter, isAdmin: true, inArea: true },
    r.createdAt,
  );
  if (isRefusal(made)) throw new Error(`row ${r.row} refused by the lifecycle: ${JSON.stringify(made)}`);
  let issue = made.issue;
  if (r.closed) {
    const at = Math.max(r.closed.at, r.createdAt);
    issue = { ...issue, state: 'closed', submittedAt: at, closedAt: at, fixNote: r.closed.note, fixedBy: r.assignee ?? r.reporter, closedOnTime: true };
  }
  return { issue, audit: { action: IMPORT_ACTION, from: null, to: issue.state, note: `台账 ${source} 第${r.row}行` } };
}

function needsTimer(issue: Issue, deps: Pick<ApplyDeps, 'policy' | 'now'>): boolean {
  if (issue.state === 'assigned') return issue.deadline !== undefined && issue.deadline > deps.now;
  // A 回头看 long due is not sent now for hundreds of old rows at once.
  if (issue.state === 'closed' && issue.closedAt !== undefined) return revisitAt(issue.closedAt, deps.policy, officialCalendar) > deps.now;
  return false;
}
