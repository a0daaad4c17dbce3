import { OPEN_STATES, STATE_WORDS, type Evidence, type Issue, type IssueState } from './issue';
import { ENTRY_LIMITS } from './limits';

/**
 * The issue lifecycle of docs/design.md §3 as pure functions: who may do what in which state, and the
 * issue after it. The store persists the result atomically; handlers only translate words.
 */

/** What the domain needs to know about the person acting on one issue. */
export interface Actor {
  userid: string;
  isAdmin: boolean;
  /** Member or leader of a team whose area covers the issue's unit. */
  inArea: boolean;
  /**
   * What the person is at the issue's unit — 书记, or a contact's title (驻村第一书记, 联络员) —
   * when they are one: they may report its fixes, and judge none of them.
   */
  unitTitle?: string;
}

export type Action =
  | { type: 'assign'; assignee: string; deadline: number; reason?: string }
  | { type: 'fix'; note: string; evidence: Evidence[] }
  | { type: 'verify'; note?: string; /** 完成效果 (a word of policy.grades). */ grade?: string }
  /** 完成效果 given after 销号, to an issue closed without one (or changed by 组织部). */
  | { type: 'grade'; grade: string }
  | { type: 'reject'; reason: string }
  | { type: 'extend'; to: number; reason: string }
  | { type: 'approve-extension' }
  | { type: 'revisit'; outcome: 'normal' | 'relapse'; note?: string; /** New deadline when it relapsed. */ deadline?: number; /** 群众评价 (a word of policy.ratings). */ rating?: string }
  | { type: 'cancel'; reason: string }
  | { type: 'remind' }
  /** More photos or words for a fix already reported, while it waits for verification. */
  | { type: 'supplement'; note: string; evidence: Evidence[] };

export type ActionType = Action['type'];

/**
 * Why an action is refused: a role (who may, in Chinese; with `reason`, the whole sentence
 * that says why this person may not, e.g. two-person verification), or the issue's state.
 */
export type Refusal = { kind: 'permission'; allowed: string; reason?: string } | { kind: 'state'; message: string };

export interface Outcome {
  issue: Issue;
  /** What the audit entry records. */
  audit: { action: string; from: IssueState | null; to: IssueState; note?: string; evidence?: Evidence[] };
}

export const WHO = {
  areaTeam: '本片区工作队队员、队长或组织部',
  fixers: '责任人、该单位的书记和驻村第一书记、联络员等联系人，或本片区工作队队员',
  reporterOrAdmin: '上报人或组织部',
  fixerOrAssignee: '反馈整改的人、责任人或该单位的书记和联系人',
  otherMember: '本片区其他工作队队员',
} as const;

/**
 * Duties kept apart (两人核验): whoever reported a fix, or is or was its assignee, does not judge
 * it — neither 销号 nor 驳回 (a rejection is a verdict too, recorded on the issue's card); an
 * extension is approved by someone other than who asked for it and whose deadline it is; nobody
 * assigns an issue to themselves. Each refusal names the real reason.
 */
function dutyRefusal(reason: string): Refusal {
  return { kind: 'permission', allowed: WHO.otherMember, reason };
}

const SELF_ASSIGN = '不能把问题交办给自己：交办人和责任人须是两个人，请 @该单位责任人或其他同志';

function judgeRefusal(issue: Issue, actor: Actor, verb: string): Refusal | undefined {
  const tail = `${verb}需由本片区工作队的其他同志核验（两人核验）`;
  if (issue.fixedBy === actor.userid) return dutyRefusal(`#${issue.id} 的整改由你反馈，${tail}`);
  if (issue.assignee === actor.userid) return dutyRefusal(`你是 #${issue.id} 的责任人，${tail}`);
  if (issue.formerAssignees?.includes(actor.userid)) return dutyRefusal(`你曾是 #${issue.id} 的责任人，${tail}`);
  // The unit's own people answer for the fix like its assignee: they do not judge it either.
  if (actor.unitTitle !== undefined) return dutyRefusal(`你是 #${issue.id} 所在单位的${actor.unitTitle}，${tail}`);
  return undefined;
}

function approveRefusal(issue: Issue, actor: Actor): Refusal | undefined {
  if (issue.extensionRequest?.by === actor.userid) return dutyRefusal(`#${issue.id} 的延期由你申请，需由本片区工作队批准`);
  if (issue.assignee === actor.userid) return dutyRefusal(`你是 #${issue.id} 的责任人，延期需由本片区工作队批准`);
  if (actor.unitTitle !== undefined) return dutyRefusal(`你是 #${issue.id} 所在单位的${actor.unitTitle}，延期需由本片区工作队批准`);
  return undefined;
}

const isTeam = (a: Actor) => a.isAdmin || a.inArea;

/** The states each action starts from. */
const FROM: Record<ActionType, readonly IssueState[]> = {
  assign: ['reported', 'assigned'],
  fix: ['assigned'],
  verify: ['submitted'],
  grade: ['closed', 'revisited'],
  reject: ['submitted'],
  extend: ['reported', 'assigned'],
  'approve-extension': ['reported', 'assigned'],
  revisit: ['closed'],
  cancel: OPEN_STATES,
  remind: ['assigned'],
  supplement: ['submitted'],
};

/** Who may create (上报) an issue at a unit, and assign it at once to `assignee`. */
export function mayReport(actor: Actor, assignee?: string): Refusal | undefined {
  if (!isTeam(actor)) return { kind: 'permission', allowed: WHO.areaTeam };
  return assignee === actor.userid ? dutyRefusal(SELF_ASSIGN) : undefined;
}

/** Role check for an action on an issue, before the state check (a stranger learns nothing). */
export function authorize(action: Action, issue: Issue, actor: Actor): Refusal | undefined {
  const isAssignee = issue.assignee === actor.userid;
  switch (action.type) {
    case 'fix':
      // The unit's secretary and contacts may report its fix as well as the assignee (驻村第一书记 often does).
      return isAssignee || actor.unitTitle !== undefined || isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.fixers };
    case 'grade':
      // Grading later is the verdict 销号 would have given: the same two people (docs/design.md §4.16).
      // Once graded, only 组织部 changes it (the unit's score moves with it).
      return (
        judgeRefusal(issue, actor, ACTION_WORDS.grade) ??
        (isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.areaTeam }) ??
        (issue.grade !== undefined && !actor.isAdmin ? { kind: 'permission', allowed: '组织部', reason: `#${issue.id} 的完成效果已评定为“${issue.grade}”，更改须由组织部办理` } : undefined)
      );
    case 'verify':
    case 'reject':
      // The person's own part in the issue is said first: they know it, and it is the real reason.
      return judgeRefusal(issue, actor, ACTION_WORDS[action.type]) ?? (isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.areaTeam });
    case 'approve-extension':
      return approveRefusal(issue, actor) ?? (isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.areaTeam });
    case 'assign':
      if (!isTeam(actor)) return { kind: 'permission', allowed: WHO.areaTeam };
      return action.assignee === actor.userid ? dutyRefusal(SELF_ASSIGN) : undefined;
    case 'extend':
      // The assignee (or the unit's secretary and contacts) may ask; a team member's /延期 applies at once.
      return isAssignee || actor.unitTitle !== undefined || isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.fixers };
    case 'cancel':
      return issue.reporter === actor.userid || actor.isAdmin ? undefined : { kind: 'permission', allowed: WHO.reporterOrAdmin };
    case 'revisit':
    case 'remind':
      return isTeam(actor) ? undefined : { kind: 'permission', allowed: WHO.areaTeam };
    case 'supplement':
      // Only the one who reported the fix (or the assignee) adds to it: the verifier judges it as sent.
      return mayAddToFix(issue, actor) ? undefined : { kind: 'permission', allowed: WHO.fixerOrAssignee };
  }
}

/**
 * Who may add photos or words to a reported fix: the one who reported it, the assignee, or the
 * unit's secretary and contacts (who may report it in the first place).
 */
export function mayAddToFix(issue: Pick<Issue, 'fixedBy' | 'assignee'>, actor: Pick<Actor, 'userid' | 'unitTitle'>): boolean {
  return issue.fixedBy === actor.userid || issue.assignee === actor.userid || actor.unitTitle !== undefined;
}

/** Decides and applies one action; returns the next issue or why not. Never mutates its input. */
export function apply(issue: Issue, action: Action, actor: Actor, now: number): Outcome | Refusal {
  const denied = authorize(action, issue, actor);
  if (denied) return denied;
  if (!FROM[action.type].includes(issue.state)) return { kind: 'state', message: stateRefusal(issue, action.type, actor) };

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
      if (issue.assignee !== undefined && issue.assignee !== action.assignee && !issue.formerAssignees?.includes(issue.assignee)) {
        next.formerAssignees = [...(issue.formerAssignees ?? []), issue.assignee];
      }
      delete next.extensionRequest;
      if (next.deadline === action.deadline) return done(next, action.reason);
      const moved = withDeadline(next, issue, action.deadline, action.reason ?? '交办', actor.userid, now);
      return isRefusal(moved) ? moved : done(moved, action.reason);
    }
    case 'fix': {
      const room = ENTRY_LIMITS.evidence - issue.evidence.length;
      if (action.evidence.length > room) return { kind: 'state', message: evidenceFull(issue, action.evidence.length) };
      return done(
        { ...base, state: 'submitted', submittedAt: now, fixNote: action.note, fixedBy: actor.userid, evidence: [...issue.evidence, ...action.evidence] },
        action.note,
        action.evidence,
      );
    }
    case 'verify': {
      const next: Issue = { ...base, state: 'closed', closedAt: now, closedOnTime: issue.deadline === undefined || (issue.submittedAt ?? now) <= issue.deadline };
      if (action.note) next.verifyNote = action.note;
      if (action.grade) next.grade = action.grade;
      return done(next, [action.grade ? `完成效果：${action.grade}` : '', action.note ?? ''].filter(Boolean).join('；') || undefined);
    }
    case 'grade': {
      const next: Issue = { ...base, grade: action.grade };
      return done(next, issue.grade ? `完成效果：${issue.grade} → ${action.grade}` : `完成效果：${action.grade}`);
    }
    case 'reject':
      if (issue.rejectCount >= ENTRY_LIMITS.rejections) {
        return { kind: 'state', message: `#${issue.id} 已驳回 ${issue.rejectCount} 次，达到上限；请核验销号，或由上报人撤销后重新上报` };
      }
      return done({ ...base, state: 'assigned', rejectCount: issue.rejectCount + 1, rejectReasons: [...issue.rejectReasons, action.reason] }, action.reason);
    case 'extend': {
      if (action.to <= now) return { kind: 'state', message: '新期限必须晚于现在' };
      // 延期 moves a deadline later; bringing one forward is a new 交办 (and says so).
      if (issue.deadline !== undefined && action.to <= issue.deadline) {
        return { kind: 'state', message: `新期限不晚于现在的期限，延期只能往后延；要提前期限，请用 /交办 #${issue.id} 期限:新日期` };
      }
      if (issue.assignee === actor.userid || actor.unitTitle !== undefined || !isTeam(actor)) {
        // The assignee or the unit's people ask (even one also on the team); the deadline holds until another member approves.
        const asked = issue.extensionRequestCount ?? 0;
        if (asked >= ENTRY_LIMITS.extensionRequests) return { kind: 'state', message: `#${issue.id} 已申请延期 ${asked} 次，达到上限，不能再申请` };
        return done(
          { ...base, extensionRequest: { to: action.to, reason: action.reason, by: actor.userid, at: now }, extensionRequestCount: asked + 1 },
          `申请延期：${action.reason}`,
        );
      }
      const moved = withDeadline(base, issue, action.to, action.reason, actor.userid, now);
      return isRefusal(moved) ? moved : done(moved, action.reason);
    }
    case 'approve-extension': {
      const req = issue.extensionRequest;
      if (!req) return { kind: 'state', message: `#${issue.id} 没有待批准的延期申请` };
      if (req.to <= now) return { kind: 'state', message: '申请的新期限已经过去了，请直接用 /延期 给出新期限' };
      if (issue.deadline !== undefined && req.to <= issue.deadline) return { kind: 'state', message: '申请的新期限不晚于现在的期限，无需延期' };
      const moved = withDeadline(base, issue, req.to, req.reason, actor.userid, now);
      return isRefusal(moved) ? moved : done(moved, `同意延期：${req.reason}`);
    }
    case 'revisit': {
      if (action.outcome === 'normal') {
        const next: Issue = { ...base, state: 'revisited', revisitedAt: now };
        if (action.note) next.revisitNote = action.note;
        if (action.rating) next.rating = action.rating;
        return done(next, [action.note ?? '回访正常', action.rating ? `群众评价：${action.rating}` : ''].filter(Boolean).join('；'));
      }
      // 反弹: the problem is back; the unit rectifies again, with the deadline given when reopened.
      let next: Issue = { ...base, state: 'assigned', relapseCount: issue.relapseCount + 1, assignedAt: now };
      if (action.deadline !== undefined) {
        const moved = withDeadline(next, issue, action.deadline, '回访发现反弹，重新整改', actor.userid, now);
        if (isRefusal(moved)) return moved;
        next = moved;
      }
      delete next.closedOnTime;
      delete next.closedAt;
      // The fix that was graded is gone; the next 销号 grades the new one. The villagers' word stays.
      delete next.grade;
      if (action.rating) next.rating = action.rating;
      return done(next, [action.note ? `反弹：${action.note}` : '反弹', action.rating ? `群众评价：${action.rating}` : ''].filter(Boolean).join('；'));
    }
    case 'cancel':
      return done({ ...base, state: 'canceled', canceledAt: now, cancelReason: action.reason }, action.reason);
    case 'remind':
      return done(base, '催办');
    case 'supplement': {
      const room = ENTRY_LIMITS.evidence - issue.evidence.length;
      if (action.evidence.length > room) return { kind: 'state', message: evidenceFull(issue, action.evidence.length) };
      const fixNote = action.note && action.note !== issue.fixNote ? [issue.fixNote, action.note].filter(Boolean).join('；') : issue.fixNote;
      const next: Issue = { ...base, evidence: [...issue.evidence, ...action.evidence] };
      if (fixNote !== undefined) next.fixNote = fixNote;
      return done(next, action.note, action.evidence);
    }
  }
}

/** The deadline moved to `to`, with the change recorded — or refused once the history is full. */
function withDeadline(base: Issue, issue: Issue, to: number, reason: string, by: string, now: number): Issue | Refusal {
  if (issue.deadlineChanges.length >= ENTRY_LIMITS.deadlineChanges) {
    return { kind: 'state', message: `#${issue.id} 的期限已调整 ${issue.deadlineChanges.length} 次，达到上限，不能再调整` };
  }
  const next: Issue = { ...base, deadline: to, deadlineChanges: [...issue.deadlineChanges, { from: issue.deadline ?? null, to, reason, by, at: now }] };
  delete next.extensionRequest;
  return next;
}

function evidenceFull(issue: Pick<Issue, 'id' | 'evidence'>, adding: number): string {
  const room = Math.max(0, ENTRY_LIMITS.evidence - issue.evidence.length);
  return `#${issue.id} 最多保存 ${ENTRY_LIMITS.evidence} 张照片，已有 ${issue.evidence.length} 张，这次的 ${adding} 张${room ? `请挑选 ${room} 张以内重新发送` : '不能再添加；请只用文字说明'}`;
}

/** The step names users see, in replies and in /查看 history. */
export const ACTION_WORDS: Record<ActionType | 'report' | 'import' | 'evidence-stored' | 'evidence-failed', string> = {
  report: '上报',
  // An issue created from a district's existing 台账 (npm run ledger -- import), its row in the note.
  import: '导入',
  assign: '交办',
  fix: '反馈整改',
  verify: '销号',
  grade: '评定完成效果',
  reject: '驳回',
  extend: '延期',
  'approve-extension': '批准延期',
  revisit: '回访',
  cancel: '撤销',
  remind: '催办',
  supplement: '补充整改材料',
  // Audit entries of the evidence download job (src/store/evidence-store.ts), not steps anyone takes.
  'evidence-stored': '照片已保存',
  'evidence-failed': '照片未能保存',
};

/** "#12 已是已销号状态，不能再驳回" — said to the loser of a race, or to a wrong step. */
function stateRefusal(issue: Issue, action: ActionType, actor: Actor): string {
  if (action === 'fix' && issue.state === 'submitted') {
    // Spoken to whoever may add to the fix (who reported it, the 责任人) as "you"; others are told who may.
    const who = mayAddToFix(issue, actor) ? '请发送' : '请反馈整改的人发送';
    return `#${issue.id} 当前是待核验状态：整改已反馈，正等工作队核验；要补充照片或说明，${who}：/整改 #${issue.id} 补充内容（可附照片）`;
  }
  const hint: Partial<Record<IssueState, string>> = {
    reported: '，请先 /交办',
    assigned: action === 'verify' || action === 'reject' || action === 'grade' ? '，责任人还没有反馈整改' : '',
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
  const denied = mayReport(actor, input.assignee);
  if (denied) return denied;
  if (input.evidence.length > ENTRY_LIMITS.evidence) return { kind: 'state', message: evidenceFull({ id: input.id, evidence: [] }, input.evidence.length) };
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

export function isRefusal<T extends Outcome | Issue>(x: T | Refusal): x is Refusal {
  return 'kind' in x;
}
