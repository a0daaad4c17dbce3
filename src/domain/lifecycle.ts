import { OPEN_STATES, STATE_WORDS, type Evidence, type Issue, type IssueState } from './issue';

/**
 * The issue lifecycle of DESIGN §3 as pure functions: who may do what in which state, and the
 * issue after it. The store persists the result atomically; handlers only translate words.
 */

/** What the domain needs to know about the person acting on one issue. */
export interface Actor {
  userid: string;
  isAdmin: boolean;
  /** Member or leader of a team whose area covers the issue's unit. */
  inArea: boolean;
}

export type Action =
  | { type: 'assign'; assignee: string; deadline: number; reason?: string }
  | { type: 'fix'; note: string; evidence: Evidence[] }
  | { type: 'verify'; note?: string }
  | { type: 'reject'; reason: string }
  | { type: 'extend'; to: number; reason: string }
  | { type: 'approve-extension' }
  | { type: 'revisit'; outcome: 'normal' | 'relapse'; note?: string; /** New deadline when it relapsed. */ deadline?: number }
  | { type: 'cancel'; reason: string }
  | { type: 'remind' };

export type ActionType = Action['type'];

/** Why an action is refused: a role (who may, in Chinese) or the issue's state. */
export type Refusal = { kind: 'permission'; allowed: string } | { kind: 'state'; message: string };

export interface Outcome {
  issue: Issue;
  /** What the audit entry records. */
  audit: { action: string; from: IssueState | null; to: IssueState; note?: string; evidence?: Evidence[] };
}

export const WHO = {
  areaTeam: '本片区工作队队员、队长或组织部',
  assigneeOrTeam: '责任人或本片区工作队队员',
  reporterOrAdmin: '上报人或组织部',
  notAssignee: '本片区工作队队员（责任人本人不能给自己的整改销号）',
} as const;

const isTeam = (a: Actor) => a.isAdmin || a.inArea;

/** The states each action starts from. */
const FROM: Record<ActionType, readonly IssueState[]> = {
  assign: ['reported', 'assigned'],
  fix: ['assigned'],
  verify: ['submitted'],
  reject: ['submitted'],
  extend: ['reported', 'assigned'],
  'approve-extension': ['reported', 'assigned'],
  revisit: ['closed'],
  cancel: OPEN_STATES,
  remind: ['assigned'],
};

/** Who may create (上报) an issue at a unit. */
export function mayReport(actor: Actor): Refusal | undefined {
  return isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.areaTeam };
}

/** Role check for an action on an issue, before the state check (a stranger learns nothing). */
export function authorize(action: Action, issue: Issue, actor: Actor): Refusal | undefined {
  const isAssignee = issue.assignee === actor.userid;
  switch (action.type) {
    case 'fix':
      return isAssignee || isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.assigneeOrTeam };
    case 'verify':
      if (isAssignee) return { kind: 'permission', allowed: WHO.notAssignee };
      return isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.areaTeam };
    case 'extend':
      // The assignee may ask; a team member's /延期 applies at once.
      return isAssignee || isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.assigneeOrTeam };
    case 'cancel':
      return issue.reporter === actor.userid || actor.isAdmin ? undefined : { kind: 'permission', allowed: WHO.reporterOrAdmin };
    case 'assign':
    case 'reject':
    case 'approve-extension':
    case 'revisit':
    case 'remind':
      return isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.areaTeam };
  }
}

/** Decides and applies one action; returns the next issue or why not. Never mutates its input. */
export function apply(issue: Issue, action: Action, actor: Actor, now: number): Outcome | Refusal {
  const denied = authorize(action, issue, actor);
  if (denied) return denied;
  if (!FROM[action.type].includes(issue.state)) return { kind: 'state', message: stateRefusal(issue, action.type) };

  const from = issue.state;
  const base: Issue = { ...issue, version: issue.version + 1 };
  const done = (next: Issue, note?: string, evidence?: Evidence[]): Outcome => {
    // A pending extension request only means something while the unit is still to rectify.
    if (next.state !== 'assigned' && next.state !== 'reported') delete next.extensionRequest;
    return finish(next, note, evidence);
  };
  const finish = (next: Issue, note?: string, evidence?: Evidence[]): Outcome => ({
    issue: next,
    audit: { action: action.type, from, to: next.state, ...(note ? { note } : {}), ...(evidence?.length ? { evidence } : {}) },
  });

  switch (action.type) {
    case 'assign': {
      const next: Issue = { ...base, state: 'assigned', assignee: action.assignee, assignedAt: now };
      if (next.deadline !== action.deadline) {
        next.deadlineChanges = [...issue.deadlineChanges, { from: issue.deadline ?? null, to: action.deadline, reason: action.reason ?? '交办', by: actor.userid, at: now }];
        next.deadline = action.deadline;
      }
      delete next.extensionRequest;
      return done(next, action.reason);
    }
    case 'fix':
      return done(
        { ...base, state: 'submitted', submittedAt: now, fixNote: action.note, evidence: [...issue.evidence, ...action.evidence] },
        action.note,
        action.evidence,
      );
    case 'verify': {
      const next: Issue = { ...base, state: 'closed', closedAt: now, closedOnTime: issue.deadline === undefined || (issue.submittedAt ?? now) <= issue.deadline };
      if (action.note) next.verifyNote = action.note;
      return done(next, action.note);
    }
    case 'reject':
      return done({ ...base, state: 'assigned', rejectCount: issue.rejectCount + 1, rejectReasons: [...issue.rejectReasons, action.reason] }, action.reason);
    case 'extend': {
      if (action.to <= now) return { kind: 'state', message: '新期限必须晚于现在' };
      if (issue.assignee === actor.userid || !isTeam(actor)) {
        // The assignee asks (even one who is also on the team); the deadline holds until another member approves.
        return done({ ...base, extensionRequest: { to: action.to, reason: action.reason, by: actor.userid, at: now } }, `申请延期：${action.reason}`);
      }
      return done(withDeadline(base, issue, action.to, action.reason, actor.userid, now), action.reason);
    }
    case 'approve-extension': {
      const req = issue.extensionRequest;
      if (!req) return { kind: 'state', message: `#${issue.id} 没有待批准的延期申请` };
      if (req.to <= now) return { kind: 'state', message: '申请的新期限已经过去了，请直接用 /延期 给出新期限' };
      return done(withDeadline(base, issue, req.to, req.reason, actor.userid, now), `同意延期：${req.reason}`);
    }
    case 'revisit': {
      if (action.outcome === 'normal') {
        const next: Issue = { ...base, state: 'revisited', revisitedAt: now };
        if (action.note) next.revisitNote = action.note;
        return done(next, action.note ?? '回访正常');
      }
      // 反弹: the problem is back; the unit rectifies again, with the deadline given when reopened.
      let next: Issue = { ...base, state: 'assigned', relapseCount: issue.relapseCount + 1, assignedAt: now };
      if (action.deadline !== undefined) next = withDeadline(next, issue, action.deadline, '回访发现反弹，重新整改', actor.userid, now);
      delete next.closedOnTime;
      delete next.closedAt;
      return done(next, action.note ? `反弹：${action.note}` : '反弹');
    }
    case 'cancel':
      return done({ ...base, state: 'canceled', canceledAt: now, cancelReason: action.reason }, action.reason);
    case 'remind':
      return done(base, '催办');
  }
}

function withDeadline(base: Issue, issue: Issue, to: number, reason: string, by: string, now: number): Issue {
  const next: Issue = { ...base, deadline: to, deadlineChanges: [...issue.deadlineChanges, { from: issue.deadline ?? null, to, reason, by, at: now }] };
  delete next.extensionRequest;
  return next;
}

/** The step names users see, in replies and in /查看 history. */
export const ACTION_WORDS: Record<ActionType | 'report', string> = {
  report: '上报',
  assign: '交办',
  fix: '反馈整改',
  verify: '销号',
  reject: '驳回',
  extend: '延期',
  'approve-extension': '批准延期',
  revisit: '回访',
  cancel: '撤销',
  remind: '催办',
};

/** "#12 已是已销号状态，不能再驳回" — said to the loser of a race, or to a wrong step. */
function stateRefusal(issue: Issue, action: ActionType): string {
  const hint: Partial<Record<IssueState, string>> = {
    reported: '，请先 /交办',
    assigned: action === 'verify' || action === 'reject' ? '，责任人还没有反馈整改' : '',
    submitted: action === 'fix' ? '，已反馈整改，等待核验' : '',
  };
  return `#${issue.id} 当前是${STATE_WORDS[issue.state]}状态，不能${ACTION_WORDS[action]}${hint[issue.state] ?? ''}`;
}

export interface NewIssueInput {
  id: number;
  unitId: string;
  teamIds: string[];
  description: string;
  category?: string;
  source?: string;
  homeChat: string;
  /** When the unit has a secretary (or an @责任人 was named) the issue is assigned at once. */
  assignee?: string;
  deadline?: number;
  evidence: Evidence[];
}

/** 上报 (and 发现并交办 when there is an assignee). */
export function createIssue(input: NewIssueInput, actor: Actor, now: number): Outcome | Refusal {
  const denied = mayReport(actor);
  if (denied) return denied;
  const issue: Issue = {
    id: input.id,
    version: 1,
    state: input.assignee ? 'assigned' : 'reported',
    unitId: input.unitId,
    teamIds: input.teamIds,
    description: input.description,
    reporter: actor.userid,
    homeChat: input.homeChat,
    createdAt: now,
    evidence: input.evidence,
    rejectCount: 0,
    rejectReasons: [],
    relapseCount: 0,
    deadlineChanges: [],
  };
  if (input.category) issue.category = input.category;
  if (input.source) issue.source = input.source;
  if (input.deadline !== undefined) {
    issue.deadline = input.deadline;
    issue.deadlineChanges = [{ from: null, to: input.deadline, reason: '上报', by: actor.userid, at: now }];
  }
  if (input.assignee) {
    issue.assignee = input.assignee;
    issue.assignedAt = now;
  }
  return {
    issue,
    audit: { action: 'report', from: null, to: issue.state, note: input.description, ...(input.evidence.length ? { evidence: input.evidence } : {}) },
  };
}

export function isRefusal(x: Outcome | Refusal): x is Refusal {
  return 'kind' in x;
}
