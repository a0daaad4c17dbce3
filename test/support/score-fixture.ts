import { actorFor } from '../../src/domain/actor';
import type { Issue } from '../../src/domain/issue';
import { apply, createIssue, isRefusal, type Action, type NewIssueInput, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import type { Org } from '../../src/domain/org';
import type { AuditStep } from '../../src/domain/scoring-facts';
import type { LedgerStore } from '../../src/store/ledger-store';

/**
 * The small ledger the score tests recompute by hand (test/unit/scoring.test.ts writes out the
 * arithmetic): four issues in June 2026, played through the real lifecycle, and through the
 * real store when one is given.
 */
export const SCORE_AS_OF = '2026-06-20T12:00:00+08:00';

/** 10:00 on a June 2026 day, Shanghai. */
export const june = (day: number, hour = 10) => Date.parse(`2026-06-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00+08:00`);
/** The end of a June 2026 day (a deadline as duban sets it). */
export const endOfJune = (day: number) => june(day + 1, 0) - 1;

export interface Played {
  issue: Issue;
  steps: AuditStep[];
}

function must(r: Outcome | Refusal): Outcome {
  if (isRefusal(r)) throw new Error(`fixture refused: ${JSON.stringify(r)}`);
  return r;
}

export class Player {
  readonly played = new Map<number, Played>();
  private nextId = 1;

  constructor(
    private readonly org: Org,
    private readonly store?: LedgerStore,
  ) {}

  async report(who: string, input: Omit<NewIssueInput, 'id' | 'teamIds' | 'homeChat' | 'evidence' | 'description'> & { description?: string }, at: number): Promise<number> {
    const id = this.store ? await this.store.nextId() : this.nextId++;
    const out = must(
      createIssue(
        { id, teamIds: this.org.teamsCovering(input.unitId).map((t) => t.id), homeChat: 'CHAT_T1', evidence: [], description: input.description ?? `问题 ${id}`, ...input },
        actorFor(this.org, who, input.unitId),
        at,
      ),
    );
    if (this.store && !(await this.store.commit(undefined, out, who, at))) throw new Error('fixture lost a race');
    this.played.set(id, { issue: out.issue, steps: [{ action: out.audit.action, from: out.audit.from, to: out.audit.to, at }] });
    return id;
  }

  async act(id: number, who: string, action: Action, at: number): Promise<Issue> {
    const p = this.played.get(id)!;
    const out = must(apply(p.issue, action, actorFor(this.org, who, p.issue.unitId), at));
    if (this.store && !(await this.store.commit(p.issue, out, who, at))) throw new Error('fixture lost a race');
    p.issue = out.issue;
    p.steps.push({ action: out.audit.action, from: out.audit.from, to: out.audit.to, at });
    return out.issue;
  }
}

/**
 * #1 大兴精密机械公司 (no secretary; 第三、第六工作队), found by 黄德明 u_t3_m2 on 1 June, 待交办
 *    until 6 June, then 整改中 with a deadline at the end of 10 June; /催办 on 14 June; never fixed.
 * #2 斑竹村 (第一工作队), found by 唐建平 u_t1_m2 on 1 June with a deadline at the end of 5 June
 *    (assigned at once to the secretary); fixed late on 7 June; verified on 12 June.
 * #3 斑竹村, found by 罗志刚 u_luo on 1 June, deadline 15 June; fixed 3 June, rejected 4 June,
 *    fixed 5 June, verified 6 June, 回头看 on 8 June found it back (反弹), new deadline 30 June.
 * #4 大兴精密机械公司, found by 钟文斌 u_t6_m1 on 1 June, withdrawn (撤销, 重复上报) on 5 June.
 */
export async function playScoreFixture(org: Org, store?: LedgerStore): Promise<Player> {
  const p = new Player(org, store);
  const a = await p.report('u_t3_m2', { unitId: 'daxing_jx' }, june(1));
  const b = await p.report('u_t1_m2', { unitId: 'banzhu', assignee: 'u_sec_banzhu', deadline: endOfJune(5) }, june(1));
  const c = await p.report('u_luo', { unitId: 'banzhu', assignee: 'u_sec_banzhu', deadline: endOfJune(15) }, june(1));
  const d = await p.report('u_t6_m1', { unitId: 'daxing_jx' }, june(1));
  await p.act(a, 'u_t3_m1', { type: 'assign', assignee: 'u_t3_m3', deadline: endOfJune(10) }, june(6));
  await p.act(a, 'u_t3_m1', { type: 'remind' }, june(14));
  await p.act(b, 'u_sec_banzhu', { type: 'fix', note: '已更换闸阀', evidence: [] }, june(7));
  await p.act(b, 'u_luo', { type: 'verify' }, june(12));
  await p.act(c, 'u_sec_banzhu', { type: 'fix', note: '已清理', evidence: [] }, june(3));
  await p.act(c, 'u_t1_m2', { type: 'reject', reason: '照片不清' }, june(4));
  await p.act(c, 'u_sec_banzhu', { type: 'fix', note: '已清理，补照片', evidence: [] }, june(5));
  await p.act(c, 'u_t1_m3', { type: 'verify' }, june(6));
  await p.act(c, 'u_t1_m2', { type: 'revisit', outcome: 'relapse', deadline: endOfJune(30), note: '又堆了' }, june(8));
  await p.act(d, 'u_t6_m1', { type: 'cancel', reason: '重复上报' }, june(5));
  return p;
}
