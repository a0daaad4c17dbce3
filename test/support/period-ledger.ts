import { actorFor } from '../../src/domain/actor';
import type { Issue } from '../../src/domain/issue';
import { apply, createIssue, isRefusal, type Action, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import type { Org } from '../../src/domain/org';
import { DAY_MS } from '../../src/domain/time';
import type { LedgerStore } from '../../src/store/ledger-store';

/**
 * A small ledger written issue by issue through the real store, each issue's story told in
 * days after its discovery, so a test can count the figures of a period by hand.
 */
export interface IssueStory {
  unit: string;
  /** Discovery time, ISO with +08:00. */
  at: string;
  description: string;
  /** Deadline after discovery (default 7 days). */
  deadlineDays?: number;
  /** The fix is reported this many days after discovery, then verified a day later. */
  fixedAfterDays?: number;
  /** 回头看 a day after the verification finds it back (反弹), with a new deadline 7 days on. */
  relapses?: boolean;
}

function must(r: Outcome | Refusal): Outcome {
  if (isRefusal(r)) throw new Error(`fixture refused: ${JSON.stringify(r)}`);
  return r;
}

export async function writeStories(store: LedgerStore, org: Org, stories: readonly IssueStory[]): Promise<Issue[]> {
  const out: Issue[] = [];
  for (const s of stories) {
    const unit = org.unit(s.unit);
    if (!unit?.secretary) throw new Error(`fixture unit ${s.unit} needs a secretary`);
    const team = org.teamsCovering(unit.id)[0]!;
    const reporter = team.leader;
    const verifier = team.members.find((m) => m !== reporter)!;
    const t0 = Date.parse(s.at);
    const id = await store.nextId();
    let issue: Issue | undefined;
    const commit = async (o: Outcome, who: string, at: number) => {
      if (!(await store.commit(issue, o, who, at))) throw new Error(`fixture lost a version race on #${o.issue.id}`);
      issue = o.issue;
    };
    const step = (action: Action, who: string, at: number) => commit(must(apply(issue!, action, actorFor(org, who, unit.id), at)), who, at);
    await commit(
      must(
        createIssue(
          {
            id,
            unitId: unit.id,
            teamIds: org.teamsCovering(unit.id).map((t) => t.id),
            description: s.description,
            homeChat: 'CHAT_T1',
            assignee: unit.secretary,
            deadline: t0 + (s.deadlineDays ?? 7) * DAY_MS,
            evidence: [],
          },
          actorFor(org, reporter, unit.id),
          t0,
        ),
      ),
      reporter,
      t0,
    );
    if (s.fixedAfterDays !== undefined) {
      const fixedAt = t0 + s.fixedAfterDays * DAY_MS;
      await step({ type: 'fix', note: '已整改', evidence: [] }, unit.secretary, fixedAt);
      await step({ type: 'verify' }, verifier, fixedAt + DAY_MS);
      if (s.relapses) await step({ type: 'revisit', outcome: 'relapse', note: '又坏了', deadline: fixedAt + 9 * DAY_MS }, verifier, fixedAt + 2 * DAY_MS);
    }
    out.push(issue!);
  }
  return out;
}

/**
 * The ledger the summary tests count by hand (now: 2026-10-08 09:00, the first working day after
 * 国庆 2026). 2026年第3季度: 第一工作队 found 4 (A closed on time; B and D overdue; C closed, then
 * 反弹 and overdue again), 第二工作队 found 2 (E on time, F late), so found 6, rectified 3
 * (A E F), on time 2, overdue 3, relapses 1, 平均 5.0 天 (3 + 2 + 10). 2026年第2季度: 第一工作队 2
 * closed on time, 第二工作队 1 overdue (I): found 3, rectified 2, overdue 1.
 */
export const QUARTER_STORIES: readonly IssueStory[] = [
  { unit: 'banzhu', at: '2026-07-05T10:00:00+08:00', description: '路灯不亮', fixedAfterDays: 2 },
  { unit: 'banzhu', at: '2026-08-10T10:00:00+08:00', description: '村务公开栏未更新' },
  { unit: 'banzhu', at: '2026-09-01T10:00:00+08:00', description: '垃圾清运不及时', fixedAfterDays: 1, relapses: true },
  { unit: 'shiyan', at: '2026-09-20T10:00:00+08:00', description: '道路破损' },
  { unit: 'xiguan', at: '2026-07-15T10:00:00+08:00', description: '标识牌缺失', fixedAfterDays: 1 },
  { unit: 'xiguan', at: '2026-09-10T10:00:00+08:00', description: '便民服务点无人值守', fixedAfterDays: 9 },
  { unit: 'banzhu', at: '2026-04-10T10:00:00+08:00', description: '宣传栏破损', fixedAfterDays: 1 },
  { unit: 'shiyan', at: '2026-05-10T10:00:00+08:00', description: '会议记录不全', fixedAfterDays: 2 },
  { unit: 'xiguan', at: '2026-06-01T10:00:00+08:00', description: '党员活动室漏雨' },
];
