import { actorFor } from './actor';
import { createIssue, isRefusal, type Outcome, type Refusal } from './lifecycle';
import type { Membership, Org, Team, Unit } from './org';
import { DEPARTMENT_SOURCE, type Task } from './task';
import type { TaskShare } from './task-groups';

/**
 * Who may assign a task to these units (docs/design.md §4.15): admins anywhere; a team leader
 * only inside the areas of the teams they lead, never 全区. Says what is wrong in Chinese.
 */
export type TaskAuthority = { ok: true; source: string; teams: Team[] } | { ok: false; allowed: string; reason: string };

export function taskAuthority(org: Org, sender: Membership, units: readonly Unit[], district: boolean): TaskAuthority {
  if (sender.roles.includes('admin')) return { ok: true, source: DEPARTMENT_SOURCE, teams: [] };
  const led = sender.leaderOf;
  if (!led.length) return { ok: false, allowed: '组织部或工作队队长', reason: '布置任务需由组织部或工作队队长发起' };
  const names = led.map((t) => t.name).join('、');
  if (district) return { ok: false, allowed: '组织部', reason: `全区任务由组织部布置；${names}请写本片区的镇街、类别或单位，例如 范围:${led[0]!.towns[0] ?? led[0]!.name}` };
  const area = new Set(led.flatMap((t) => t.coveredUnitIds));
  const outside = units.filter((u) => !area.has(u.id));
  if (outside.length) {
    const shown = outside.slice(0, 5).map((u) => `${u.town}${u.name}`).join('、');
    return { ok: false, allowed: '组织部或该片区的工作队队长', reason: `${shown}${outside.length > 5 ? ` 等 ${outside.length} 个单位` : ''}不在${names}的片区，请只布置本片区的单位` };
  }
  // The team the units belong to names the task; a leader of several teams whose units span them gets all their names.
  const teams = led.filter((t) => units.some((u) => t.coveredUnitIds.includes(u.id)));
  return { ok: true, source: teams.map((t) => t.name).join('、'), teams };
}

export interface TaskPlanInput {
  org: Org;
  sender: Membership;
  units: readonly Unit[];
  content: string;
  deadline: number;
  scopeWords: string;
  source: string;
  taskId: number;
  /** The first of units.length consecutive issue ids (allocated together). */
  firstIssueId: number;
  fromChat: string;
  now: number;
}

export interface TaskPlan {
  task: Task;
  outcomes: Outcome[];
  shares: TaskShare[];
}

/**
 * The task and one new issue per unit (createIssue, as /上报 makes them): assigned at once to the
 * unit's secretary with the deadline, 待交办 where the unit has none (or the secretary is the
 * sender, who may not assign to themselves). Pure: nothing is written here.
 */
export function planTask(input: TaskPlanInput): TaskPlan | Refusal {
  const { org, units, now } = input;
  const outcomes: Outcome[] = [];
  const shares: TaskShare[] = [];
  const teamIds = new Set<string>();
  for (const [i, unit] of units.entries()) {
    const id = input.firstIssueId + i;
    const teams = org.teamsCovering(unit.id).map((t) => t.id);
    for (const t of teams) teamIds.add(t);
    const secretary = unit.secretary && unit.secretary !== input.sender.userid ? unit.secretary : undefined;
    const homeChat = org.homeChatFor(unit.id, input.fromChat);
    const actor = actorFor(org, input.sender.userid, unit.id);
    const outcome = createIssue(
      {
        id,
        unitId: unit.id,
        teamIds: teams,
        description: input.content,
        source: input.source,
        homeChat,
        ...(secretary ? { assignee: secretary } : {}),
        deadline: input.deadline,
        evidence: [],
      },
      actor,
      now,
    );
    if (isRefusal(outcome)) return outcome;
    outcome.issue.taskId = input.taskId;
    outcomes.push(outcome);
    shares.push({ unitId: unit.id, issueId: id, homeChat, ...(secretary ? { secretary } : {}) });
  }
  const task: Task = {
    id: input.taskId,
    content: input.content,
    deadline: input.deadline,
    scopeWords: input.scopeWords,
    unitCount: units.length,
    createdBy: input.sender.userid,
    createdAt: now,
    source: input.source,
    chat: input.fromChat,
    teamIds: [...teamIds],
    units: shares.map((s) => [s.unitId, s.issueId]),
  };
  return { task, outcomes, shares };
}
