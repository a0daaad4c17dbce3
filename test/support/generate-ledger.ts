import { actorFor } from '../../src/domain/actor';
import type { Issue } from '../../src/domain/issue';
import { apply, createIssue, isRefusal, type Action, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import type { Org, Unit } from '../../src/domain/org';
import { DAY_MS } from '../../src/domain/time';
import type { LedgerStore } from '../../src/store/ledger-store';

/**
 * Writes a realistic ledger through the real store (the same Lua script the bot uses):
 * `found` issues over the units, `closed` of them rectified and verified, the rest still
 * rectifying — some overdue. Used by tests and by `npm run bench`.
 */
export interface LedgerShape {
  found: number;
  closed: number;
  units: readonly Unit[];
  /** Discovery times are spread over this many days before `now`. */
  days: number;
  now: number;
  /** Concurrent writes in flight (ioredis pipelines them). */
  concurrency?: number;
  /**
   * Grow a ledger written before: generate the issues numbered `from` to `found` only (default 0),
   * the first `closed` of them closed. The bench of cost against size grows one ledger 10 k → 1 M.
   */
  from?: number;
}

function must(r: Outcome | Refusal): Outcome {
  if (isRefusal(r)) throw new Error(`generator refused: ${JSON.stringify(r)}`);
  return r;
}

export async function generateLedger(store: LedgerStore, org: Org, shape: LedgerShape): Promise<void> {
  const from = shape.from ?? 0;
  const reporterOf = (unit: Unit) => org.teamsCovering(unit.id)[0]?.leader ?? org.adminIds()[0]!;
  const one = async (i: number) => {
    const unit = shape.units[i % shape.units.length]!;
    const createdAt = shape.now - Math.floor(((i * 7919) % (shape.days * 24)) * (DAY_MS / 24)) - DAY_MS;
    const reporter = reporterOf(unit);
    // Never the reporter: nobody assigns an issue to themselves.
    const assignee = unit.secretary ?? org.teamsCovering(unit.id)[0]!.members.find((m) => m !== reporter)!;
    const id = await store.nextId();
    const created = must(
      createIssue(
        {
          id,
          unitId: unit.id,
          teamIds: org.teamsCovering(unit.id).map((t) => t.id),
          description: `生成的问题 ${i}：村务公开不及时`,
          homeChat: 'CHAT_T1',
          assignee,
          deadline: createdAt + 7 * DAY_MS,
          evidence: [],
        },
        actorFor(org, reporter, unit.id),
        createdAt,
      ),
    );
    await commit(store, undefined, created, reporter, createdAt);
    if (i - from >= shape.closed) return;
    let issue = created.issue;
    const step = async (action: Action, who: string, at: number) => {
      const out = must(apply(issue, action, actorFor(org, who, unit.id), at));
      await commit(store, issue, out, who, at);
      issue = out.issue;
    };
    await step({ type: 'fix', note: '已整改', evidence: [] }, assignee, createdAt + ((i % 9) + 1) * DAY_MS);
    const verifier = org.teamsCovering(unit.id)[0]!.members.find((m) => m !== issue.assignee)!;
    await step({ type: 'verify' }, verifier, createdAt + ((i % 9) + 2) * DAY_MS);
  };
  const concurrency = shape.concurrency ?? 200;
  for (let start = from; start < shape.found; start += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, shape.found - start) }, (_, k) => one(start + k)));
  }
}

async function commit(store: LedgerStore, before: Issue | undefined, out: Outcome, who: string, at: number): Promise<void> {
  if (!(await store.commit(before, out, who, at))) throw new Error(`generator lost a version race on #${out.issue.id}`);
}
