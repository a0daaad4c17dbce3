import { colourOf, ISSUE_STATES, isOverdue, STATE_WORDS, type Evidence, type Issue, type IssueState } from '../../src/domain/issue';
import {
  apply,
  createIssue,
  isRefusal,
  mayReport,
  WHO,
  type Action,
  type ActionType,
  type Actor,
  type NewIssueInput,
  type Outcome,
  type Refusal,
} from '../../src/domain/lifecycle';
import { ENTRY_LIMITS } from '../../src/domain/limits';
import { DAY_MS } from '../../src/domain/time';

/* ---------------------------------------------------------------- builders */

const HOUR = 3_600_000;
/** Discovery time: Monday 2026-05-04 10:00 Asia/Shanghai. */
const T0 = Date.parse('2026-05-04T10:00:00+08:00');
/** The deadline the built issues carry once assigned. */
const DEADLINE = T0 + 7 * DAY_MS;
/** "Now" for every action: after every timestamp of the built issues. */
const NOW = T0 + 40 * DAY_MS;
/** A deadline later than NOW, for assign / extend / relapse. */
const NEW_DEADLINE = NOW + 7 * DAY_MS;
/** What the assignee asked for in a pending extension request. */
const REQUESTED = NOW + 10 * DAY_MS;

const REPORTER_ID = 'u_rep';
const ASSIGNEE_ID = 'u_sec_banzhu';

function actor(userid: string, roles: { admin?: boolean; inArea?: boolean } = {}): Actor {
  return { userid, isAdmin: roles.admin ?? false, inArea: roles.inArea ?? false };
}

/** Admin and team member of the area, neither reporter nor assignee. */
const FULL = actor('u_admin', { admin: true, inArea: true });
const ADMIN = actor('u_admin2', { admin: true });
const MEMBER = actor('u_m2', { inArea: true });
const LEADER = actor('u_luo', { inArea: true });
const REPORTER = actor(REPORTER_ID, { inArea: true });
/** The unit secretary the issue is assigned to: no team role. */
const ASSIGNEE = actor(ASSIGNEE_ID);
const OTHER_SECRETARY = actor('u_sec_xiguan');
const STRANGER = actor('u_nobody');

function ev(msgid: string, at = T0): Evidence {
  return { kind: 'image', msgid, index: 0, at };
}

/** A consistent issue in the given state, as the lifecycle would have left it. */
function issueIn(state: IssueState, over: Partial<Issue> = {}): Issue {
  const issue: Issue = {
    id: 12,
    version: 3,
    state,
    unitId: 'banzhu',
    teamIds: ['t1'],
    description: '村委会门口路灯损坏',
    reporter: REPORTER_ID,
    homeChat: 'CHAT_T1',
    createdAt: T0,
    evidence: [ev('m0')],
    rejectCount: 0,
    rejectReasons: [],
    relapseCount: 0,
    deadlineChanges: [],
  };
  if (state !== 'reported') {
    issue.assignee = ASSIGNEE_ID;
    issue.assignedAt = T0 + HOUR;
    issue.deadline = DEADLINE;
  }
  if (state === 'submitted' || state === 'closed' || state === 'revisited') {
    issue.submittedAt = T0 + 5 * DAY_MS;
    issue.fixNote = '已更换灯泡';
    issue.evidence = [...issue.evidence, ev('m1', T0 + 5 * DAY_MS)];
  }
  if (state === 'closed' || state === 'revisited') {
    issue.closedAt = T0 + 6 * DAY_MS;
    issue.closedOnTime = true;
  }
  if (state === 'revisited') issue.revisitedAt = T0 + 36 * DAY_MS;
  if (state === 'canceled') {
    issue.canceledAt = T0 + 2 * DAY_MS;
    issue.cancelReason = '重复上报';
  }
  return { ...issue, ...over };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Applies to a frozen issue and checks the input did not change. */
function act(issue: Issue, action: Action, who: Actor, now = NOW): Outcome | Refusal {
  const snapshot = structuredClone(issue);
  const result = apply(deepFreeze(issue), action, who, now);
  expect(issue).toEqual(snapshot);
  return result;
}

function outcome(result: Outcome | Refusal): Outcome {
  if (isRefusal(result)) throw new Error(`expected an outcome, got ${JSON.stringify(result)}`);
  return result;
}

function refusal(result: Outcome | Refusal): Refusal {
  if (!isRefusal(result)) throw new Error(`expected a refusal, got the issue in state ${result.issue.state}`);
  return result;
}

const ACTIONS = {
  assign: { type: 'assign', assignee: 'u_sec_new', deadline: NEW_DEADLINE, reason: '交办' },
  fix: { type: 'fix', note: '已更换灯泡', evidence: [ev('m9', NOW)] },
  verify: { type: 'verify', note: '现场核验通过' },
  grade: { type: 'grade', grade: '好' },
  reject: { type: 'reject', reason: '照片看不清' },
  extend: { type: 'extend', to: NEW_DEADLINE, reason: '配件未到货' },
  'approve-extension': { type: 'approve-extension' },
  revisit: { type: 'revisit', outcome: 'normal', note: '运行正常' },
  cancel: { type: 'cancel', reason: '重复上报' },
  remind: { type: 'remind' },
  supplement: { type: 'supplement', note: '补拍照片', evidence: [ev('m10', NOW)] },
} as const satisfies { [K in ActionType]: Extract<Action, { type: K }> };

const RELAPSE: Action = { type: 'revisit', outcome: 'relapse', note: '路灯又坏了', deadline: NEW_DEADLINE };

const ACTION_TYPES = Object.keys(ACTIONS) as ActionType[];

/* ---------------------------------------------------------------- createIssue */

describe('createIssue', () => {
  const input = (over: Partial<NewIssueInput> = {}): NewIssueInput => ({
    id: 7,
    unitId: 'banzhu',
    teamIds: ['t1'],
    description: '村务公开栏未更新',
    homeChat: 'CHAT_T1',
    evidence: [],
    ...over,
  });

  it.each<[string, Actor]>([
    ['a team member of the area', MEMBER],
    ['a team leader of the area', LEADER],
    ['an admin outside any team', ADMIN],
    ['an admin who is also in the area', FULL],
  ])('lets %s report', (_who, who) => {
    const out = outcome(createIssue(input(), who, T0));
    expect(out.issue.reporter).toBe(who.userid);
    expect(out.issue.state).toBe('reported');
  });

  it.each<[string, Actor]>([
    ['a unit secretary', OTHER_SECRETARY],
    ['a stranger', STRANGER],
  ])('refuses %s with who may report', (_who, who) => {
    expect(createIssue(input(), who, T0)).toEqual({ kind: 'permission', allowed: WHO.areaTeam });
    expect(createIssue(input({ assignee: ASSIGNEE_ID, deadline: DEADLINE }), who, T0)).toEqual({ kind: 'permission', allowed: WHO.areaTeam });
  });

  it('waits in reported without an assignee', () => {
    const out = outcome(createIssue(input(), MEMBER, T0));
    expect(out.issue).toEqual({
      id: 7,
      version: 1,
      state: 'reported',
      unitId: 'banzhu',
      teamIds: ['t1'],
      description: '村务公开栏未更新',
      reporter: MEMBER.userid,
      homeChat: 'CHAT_T1',
      createdAt: T0,
      evidence: [],
      rejectCount: 0,
      rejectReasons: [],
      relapseCount: 0,
      deadlineChanges: [],
    });
    expect(out.issue).not.toHaveProperty('assignee');
    expect(out.issue).not.toHaveProperty('assignedAt');
    expect(out.audit).toEqual({ action: 'report', from: null, to: 'reported', note: '村务公开栏未更新' });
  });

  it('assigns at once with an assignee (发现并交办), stamping assignedAt', () => {
    const photo = ev('m1');
    const out = outcome(
      createIssue(input({ assignee: ASSIGNEE_ID, deadline: DEADLINE, category: '阵地建设', source: '巡察', evidence: [photo] }), MEMBER, T0),
    );
    expect(out.issue).toMatchObject({
      version: 1,
      state: 'assigned',
      assignee: ASSIGNEE_ID,
      assignedAt: T0,
      deadline: DEADLINE,
      category: '阵地建设',
      source: '巡察',
      evidence: [photo],
      createdAt: T0,
    });
    expect(out.audit).toEqual({ action: 'report', from: null, to: 'assigned', note: '村务公开栏未更新', evidence: [photo] });
  });

  it('keeps a deadline given without an assignee', () => {
    const out = outcome(createIssue(input({ deadline: DEADLINE }), MEMBER, T0));
    expect(out.issue.state).toBe('reported');
    expect(out.issue.deadline).toBe(DEADLINE);
  });

  it('does not keep a reference to mutate the input', () => {
    const given = deepFreeze(input({ assignee: ASSIGNEE_ID, deadline: DEADLINE, evidence: [ev('m1')] }));
    const snapshot = structuredClone(given);
    outcome(createIssue(given, MEMBER, T0));
    expect(given).toEqual(snapshot);
  });
});

/* ---------------------------------------------------------------- state × action matrix */

describe('apply: every action in every state (fully authorised actor)', () => {
  interface Row {
    label: string;
    action: Action;
    who: Actor;
    /** The issue before the action, per state. */
    setup?: (issue: Issue) => Issue;
    next: Partial<Record<IssueState, IssueState>>;
  }
  const withRequest = (issue: Issue): Issue => ({
    ...issue,
    extensionRequest: { to: REQUESTED, reason: '雨季施工困难', by: ASSIGNEE_ID, at: NOW - HOUR },
  });
  const rows: Row[] = [
    { label: 'assign', action: ACTIONS.assign, who: FULL, next: { reported: 'assigned', assigned: 'assigned' } },
    { label: 'fix', action: ACTIONS.fix, who: FULL, next: { assigned: 'submitted' } },
    { label: 'verify', action: ACTIONS.verify, who: FULL, next: { submitted: 'closed' } },
    { label: 'grade', action: ACTIONS.grade, who: FULL, next: { closed: 'closed', revisited: 'revisited' } },
    { label: 'reject', action: ACTIONS.reject, who: FULL, next: { submitted: 'assigned' } },
    { label: 'extend', action: ACTIONS.extend, who: FULL, next: { reported: 'reported', assigned: 'assigned' } },
    {
      label: 'approve-extension',
      action: ACTIONS['approve-extension'],
      who: FULL,
      setup: withRequest,
      next: { reported: 'reported', assigned: 'assigned' },
    },
    { label: 'revisit (normal)', action: ACTIONS.revisit, who: FULL, next: { closed: 'revisited' } },
    { label: 'revisit (relapse)', action: RELAPSE, who: FULL, next: { closed: 'assigned' } },
    { label: 'cancel (by the reporter)', action: ACTIONS.cancel, who: REPORTER, next: { reported: 'canceled', assigned: 'canceled', submitted: 'canceled' } },
    { label: 'remind', action: ACTIONS.remind, who: FULL, next: { assigned: 'assigned' } },
    { label: 'supplement (by the one who reported the fix)', action: ACTIONS.supplement, who: FULL, setup: (i) => ({ ...i, fixedBy: FULL.userid }), next: { submitted: 'submitted' } },
  ];

  it('grade gives a closed issue its 完成效果 later, audited, by the two-person rule; once graded only an admin changes it', () => {
    const closed: Issue = { ...issueIn('closed'), fixedBy: ASSIGNEE_ID };
    const out = outcome(act(closed, ACTIONS.grade, MEMBER));
    expect(out.issue).toEqual({ ...closed, version: closed.version + 1, grade: '好' });
    expect(out.audit).toEqual({ action: 'grade', from: 'closed', to: 'closed', note: '完成效果：好' });
    expect(act(closed, ACTIONS.grade, ASSIGNEE)).toEqual({ kind: 'permission', allowed: WHO.otherMember, reason: '#12 的整改由你反馈，评定完成效果需由本片区工作队的其他同志核验（两人核验）' });
    const graded: Issue = { ...closed, grade: '一般' };
    expect(act(graded, ACTIONS.grade, MEMBER)).toEqual({ kind: 'permission', allowed: '组织部', reason: '#12 的完成效果已评定为“一般”，更改须由组织部办理' });
    const changed = outcome(act(graded, ACTIONS.grade, ADMIN));
    expect(changed.issue.grade).toBe('好');
    expect(changed.audit.note).toBe('完成效果：一般 → 好');
    expect(refusal(act(issueIn('submitted'), ACTIONS.grade, MEMBER))).toEqual({ kind: 'state', message: '#12 当前是待核验状态，不能评定完成效果' });
  });

  it('supplement adds photos and words to the reported fix, and keeps it waiting for another person', () => {
    const submitted: Issue = { ...issueIn('submitted'), fixedBy: FULL.userid, fixNote: '已更换灯泡', evidence: [ev('m1', NOW - HOUR)] };
    const out = outcome(act(submitted, ACTIONS.supplement, FULL));
    expect(out.issue).toMatchObject({ state: 'submitted', fixNote: '已更换灯泡；补拍照片', fixedBy: FULL.userid });
    expect(out.issue.evidence.map((e) => e.msgid)).toEqual(['m1', 'm10']);
    expect(out.audit).toMatchObject({ action: 'supplement', from: 'submitted', to: 'submitted', note: '补拍照片' });
    expect(refusal(act(out.issue, ACTIONS.verify, FULL)).kind).toBe('permission');
  });

  it('covers every action type', () => {
    expect(new Set(rows.map((r) => r.action.type))).toEqual(new Set(ACTION_TYPES));
  });

  const cells = rows.flatMap((row) => ISSUE_STATES.map((state) => [row.label, state, row] as const));

  it.each(cells)('%s from %s', (_label, state, row) => {
    const before = (row.setup ?? ((i: Issue) => i))(issueIn(state));
    const result = act(before, row.action, row.who);
    const expected = row.next[state];
    if (expected === undefined) {
      const r = refusal(result);
      expect(r.kind).toBe('state');
      if (r.kind !== 'state') return;
      expect(r.message).toContain(`#${before.id}`);
      expect(r.message).toContain(STATE_WORDS[state]);
    } else {
      const out = outcome(result);
      expect(out.issue.state).toBe(expected);
      expect(out.issue.version).toBe(before.version + 1);
      expect(out.audit.action).toBe(row.action.type);
      expect(out.audit.from).toBe(state);
      expect(out.audit.to).toBe(expected);
      // Identity never changes.
      expect(out.issue).toMatchObject({ id: before.id, unitId: before.unitId, reporter: before.reporter, createdAt: before.createdAt, homeChat: before.homeChat });
    }
  });

  it('names the state the issue is in, e.g. "#12 当前是已销号状态，不能驳回"', () => {
    const r = refusal(act(issueIn('closed'), ACTIONS.reject, FULL));
    expect(r).toEqual({ kind: 'state', message: '#12 当前是已销号状态，不能驳回' });
  });

  it('asks to assign first when the issue waits in 待交办', () => {
    const r = refusal(act(issueIn('reported'), ACTIONS.fix, FULL));
    expect(r.kind === 'state' && r.message).toContain('/交办');
  });

  it('extend keeps the state and moves the deadline', () => {
    const out = outcome(act(issueIn('assigned'), ACTIONS.extend, FULL));
    expect(out.issue.deadline).toBe(NEW_DEADLINE);
  });
});

/* ---------------------------------------------------------------- roles */

/** Who may do it, as said to a stranger (someone with no role on the issue). */
const ALLOWED_FOR_OUTSIDERS: Record<ActionType, string> = {
  assign: WHO.areaTeam,
  fix: WHO.fixers,
  verify: WHO.areaTeam,
  grade: WHO.areaTeam,
  reject: WHO.areaTeam,
  extend: WHO.fixers,
  'approve-extension': WHO.areaTeam,
  revisit: WHO.areaTeam,
  cancel: WHO.reporterOrAdmin,
  remind: WHO.areaTeam,
  supplement: WHO.fixerOrAssignee,
};

describe('apply: role refusals come before the state check', () => {
  const cells = (
    [
      ['a stranger', STRANGER],
      ['a secretary who is not the assignee', OTHER_SECRETARY],
    ] as const
  ).flatMap(([who, a]) => ACTION_TYPES.flatMap((type) => ISSUE_STATES.map((state) => [who, type, state, a] as const)));

  it.each(cells)('%s may not %s (issue %s)', (_who, type, state, who) => {
    expect(act(issueIn(state), ACTIONS[type], who)).toEqual({ kind: 'permission', allowed: ALLOWED_FOR_OUTSIDERS[type] });
  });
});

describe('apply: the assignee', () => {
  it('may fix', () => {
    const out = outcome(act(issueIn('assigned'), ACTIONS.fix, ASSIGNEE));
    expect(out.issue.state).toBe('submitted');
  });

  it('may ask to extend: the request is recorded and the deadline stays', () => {
    const before = issueIn('assigned');
    const out = outcome(act(before, ACTIONS.extend, ASSIGNEE));
    expect(out.issue.state).toBe('assigned');
    expect(out.issue.deadline).toBe(DEADLINE);
    expect(out.issue.deadlineChanges).toEqual([]);
    expect(out.issue.extensionRequest).toEqual({ to: NEW_DEADLINE, reason: '配件未到货', by: ASSIGNEE_ID, at: NOW });
    expect(out.issue.version).toBe(before.version + 1);
    expect(out.audit).toEqual({ action: 'extend', from: 'assigned', to: 'assigned', note: '申请延期：配件未到货' });
  });

  it('may not ask for a deadline that is not in the future', () => {
    expect(act(issueIn('assigned'), { type: 'extend', to: NOW, reason: 'x' }, ASSIGNEE)).toMatchObject({ kind: 'state' });
  });

  it.each<[string, Actor]>([
    ['a plain secretary', ASSIGNEE],
    ['also a team member of the area', actor(ASSIGNEE_ID, { inArea: true })],
    ['also an admin', actor(ASSIGNEE_ID, { admin: true, inArea: true })],
  ])('may not verify their own fix when %s', (_what, who) => {
    expect(act(issueIn('submitted'), ACTIONS.verify, who)).toEqual({
      kind: 'permission',
      allowed: WHO.otherMember,
      reason: '你是 #12 的责任人，销号需由本片区工作队的其他同志核验（两人核验）',
    });
  });

  it.each<[ActionType, string]>([
    ['assign', WHO.areaTeam],
    ['remind', WHO.areaTeam],
    ['cancel', WHO.reporterOrAdmin],
  ])('may not %s', (type, allowed) => {
    expect(act(issueIn('assigned'), ACTIONS[type], ASSIGNEE)).toEqual({ kind: 'permission', allowed });
  });

  it('may not reject their own fix, told why', () => {
    expect(act(issueIn('submitted'), ACTIONS.reject, ASSIGNEE)).toEqual({
      kind: 'permission',
      allowed: WHO.otherMember,
      reason: '你是 #12 的责任人，驳回需由本片区工作队的其他同志核验（两人核验）',
    });
  });

  it('may not approve an extension of their own deadline, told why', () => {
    expect(act(issueIn('assigned'), ACTIONS['approve-extension'], ASSIGNEE)).toEqual({
      kind: 'permission',
      allowed: WHO.otherMember,
      reason: '你是 #12 的责任人，延期需由本片区工作队批准',
    });
  });

  it('may not revisit', () => {
    expect(act(issueIn('closed'), ACTIONS.revisit, ASSIGNEE)).toEqual({ kind: 'permission', allowed: WHO.areaTeam });
    expect(act(issueIn('closed'), RELAPSE, ASSIGNEE)).toEqual({ kind: 'permission', allowed: WHO.areaTeam });
  });
});

describe('apply: team roles', () => {
  it.each<[string, Actor]>([
    ['a team member', MEMBER],
    ['an admin outside the teams', ADMIN],
  ])('%s may fix for the unit, verify, reject, assign, remind and revisit', (_who, who) => {
    expect(outcome(act(issueIn('assigned'), ACTIONS.fix, who)).issue.state).toBe('submitted');
    expect(outcome(act(issueIn('submitted'), ACTIONS.verify, who)).issue.state).toBe('closed');
    expect(outcome(act(issueIn('submitted'), ACTIONS.reject, who)).issue.state).toBe('assigned');
    expect(outcome(act(issueIn('reported'), ACTIONS.assign, who)).issue.state).toBe('assigned');
    expect(outcome(act(issueIn('assigned'), ACTIONS.remind, who)).issue.state).toBe('assigned');
    expect(outcome(act(issueIn('closed'), ACTIONS.revisit, who)).issue.state).toBe('revisited');
    expect(outcome(act(issueIn('closed'), RELAPSE, who)).issue.state).toBe('assigned');
  });

  it('the reporter may verify a fix (the reporter is not the assignee)', () => {
    expect(outcome(act(issueIn('submitted'), ACTIONS.verify, REPORTER)).issue.state).toBe('closed');
  });
});

describe('apply: cancel (撤销) — reporter or admin', () => {
  const open: IssueState[] = ['reported', 'assigned', 'submitted'];
  const allowed = ([
    ['the reporter', REPORTER],
    ['the reporter, no longer in the area', actor(REPORTER_ID)],
    ['an admin who did not report it', ADMIN],
    ['an admin of the area who did not report it', FULL],
  ] as const).flatMap(([w, a]) => open.map((s) => [w, s, a] as const));

  it.each(allowed)('%s may cancel from %s', (_who, state, who) => {
    const out = outcome(act(issueIn(state), ACTIONS.cancel, who));
    expect(out.issue).toMatchObject({ state: 'canceled', canceledAt: NOW, cancelReason: '重复上报', version: 4 });
    expect(out.audit).toEqual({ action: 'cancel', from: state, to: 'canceled', note: '重复上报' });
  });

  const refused = ([
    ['a team member who did not report it', MEMBER],
    ['the team leader who did not report it', LEADER],
    ['the assignee', ASSIGNEE],
  ] as const).flatMap(([w, a]) => open.map((s) => [w, s, a] as const));

  it.each(refused)('%s may not cancel (issue %s)', (_who, state, who) => {
    expect(act(issueIn(state), ACTIONS.cancel, who)).toEqual({ kind: 'permission', allowed: WHO.reporterOrAdmin });
  });
});

/* ---------------------------------------------------------------- details */

describe('apply: assign', () => {
  it('assigns a reported issue, recording the first deadline as a change from null', () => {
    const out = outcome(act(issueIn('reported'), { type: 'assign', assignee: ASSIGNEE_ID, deadline: NEW_DEADLINE }, MEMBER));
    expect(out.issue).toMatchObject({ state: 'assigned', assignee: ASSIGNEE_ID, assignedAt: NOW, deadline: NEW_DEADLINE });
    expect(out.issue.deadlineChanges).toEqual([{ from: null, to: NEW_DEADLINE, reason: '交办', by: MEMBER.userid, at: NOW }]);
    expect(out.audit).toEqual({ action: 'assign', from: 'reported', to: 'assigned' });
  });

  it('records a deadline change with the reason when reassigning with a new deadline', () => {
    const out = outcome(act(issueIn('assigned'), { type: 'assign', assignee: 'u_sec_new', deadline: NEW_DEADLINE, reason: '换人负责' }, MEMBER));
    expect(out.issue).toMatchObject({ assignee: 'u_sec_new', assignedAt: NOW, deadline: NEW_DEADLINE });
    expect(out.issue.deadlineChanges).toEqual([{ from: DEADLINE, to: NEW_DEADLINE, reason: '换人负责', by: MEMBER.userid, at: NOW }]);
    expect(out.audit.note).toBe('换人负责');
  });

  it('records no deadline change when the deadline stays the same', () => {
    const out = outcome(act(issueIn('assigned'), { type: 'assign', assignee: 'u_sec_new', deadline: DEADLINE }, MEMBER));
    expect(out.issue.assignee).toBe('u_sec_new');
    expect(out.issue.deadline).toBe(DEADLINE);
    expect(out.issue.deadlineChanges).toEqual([]);
  });

  it('keeps the earlier deadline changes', () => {
    const earlier = { from: null, to: DEADLINE, reason: '交办', by: MEMBER.userid, at: T0 + HOUR };
    const out = outcome(act(issueIn('assigned', { deadlineChanges: [earlier] }), ACTIONS.assign, MEMBER));
    expect(out.issue.deadlineChanges).toEqual([earlier, { from: DEADLINE, to: NEW_DEADLINE, reason: '交办', by: MEMBER.userid, at: NOW }]);
  });

  it('drops a pending extension request', () => {
    const before = issueIn('assigned', { extensionRequest: { to: REQUESTED, reason: 'r', by: ASSIGNEE_ID, at: NOW - HOUR } });
    const out = outcome(act(before, ACTIONS.assign, MEMBER));
    expect(out.issue).not.toHaveProperty('extensionRequest');
  });
});

describe('apply: fix', () => {
  it('appends the new evidence, stamps submittedAt and audits only the new evidence', () => {
    const before = issueIn('assigned', { evidence: [ev('m0'), ev('m1')] });
    const photos = [ev('m7', NOW), ev('m8', NOW)];
    const out = outcome(act(before, { type: 'fix', note: '已整改，闸阀已更换', evidence: photos }, ASSIGNEE));
    expect(out.issue).toMatchObject({ state: 'submitted', submittedAt: NOW, fixNote: '已整改，闸阀已更换' });
    expect(out.issue.evidence).toEqual([ev('m0'), ev('m1'), ...photos]);
    expect(out.audit).toEqual({ action: 'fix', from: 'assigned', to: 'submitted', note: '已整改，闸阀已更换', evidence: photos });
  });

  it('tells whoever may add to a reported fix to send it themselves, and anyone else who may', () => {
    const submitted: Issue = { ...issueIn('submitted'), fixedBy: ASSIGNEE_ID };
    const hint = (who: string) => `#12 当前是待核验状态：整改已反馈，正等工作队核验；要补充照片或说明，${who}：/整改 #12 补充内容（可附照片）`;
    expect(refusal(act(submitted, ACTIONS.fix, ASSIGNEE))).toEqual({ kind: 'state', message: hint('请发送') });
    expect(refusal(act({ ...submitted, fixedBy: MEMBER.userid }, ACTIONS.fix, MEMBER))).toEqual({ kind: 'state', message: hint('请发送') });
    expect(refusal(act({ ...submitted, fixedBy: MEMBER.userid }, ACTIONS.fix, LEADER))).toEqual({ kind: 'state', message: hint('请反馈整改的人发送') });
  });

  it('audits no evidence when none came with the fix', () => {
    const out = outcome(act(issueIn('assigned'), { type: 'fix', note: '已整改', evidence: [] }, ASSIGNEE));
    expect(out.issue.evidence).toEqual(issueIn('assigned').evidence);
    expect(out.audit).not.toHaveProperty('evidence');
  });
});

describe('apply: verify (销号) and 按期', () => {
  it.each<[string, boolean, Partial<Issue>]>([
    ['fix reported well before the deadline', true, { submittedAt: DEADLINE - DAY_MS }],
    ['fix reported exactly at the deadline', true, { submittedAt: DEADLINE }],
    ['fix reported one millisecond after the deadline', false, { submittedAt: DEADLINE + 1 }],
    ['fix reported days after the deadline', false, { submittedAt: DEADLINE + 3 * DAY_MS }],
    ['no deadline at all', true, { deadline: undefined, submittedAt: DEADLINE + 3 * DAY_MS }],
  ])('%s → closedOnTime %s', (_case, onTime, over) => {
    const before = issueIn('submitted', over);
    if (over.deadline === undefined && 'deadline' in over) delete before.deadline;
    const out = outcome(act(before, ACTIONS.verify, MEMBER));
    expect(out.issue).toMatchObject({ state: 'closed', closedAt: NOW, closedOnTime: onTime });
  });

  it('judges by the fix time, not the verify time (the wait for 核验 does not count)', () => {
    const out = outcome(act(issueIn('submitted', { submittedAt: DEADLINE - HOUR }), ACTIONS.verify, MEMBER, DEADLINE + 10 * DAY_MS));
    expect(out.issue.closedOnTime).toBe(true);
  });

  it('keeps the verify note', () => {
    const out = outcome(act(issueIn('submitted'), { type: 'verify', note: '现场核验通过' }, MEMBER));
    expect(out.issue.verifyNote).toBe('现场核验通过');
    expect(out.audit).toEqual({ action: 'verify', from: 'submitted', to: 'closed', note: '现场核验通过' });
  });

  it('sets no verify note when none is given', () => {
    const out = outcome(act(issueIn('submitted'), { type: 'verify' }, MEMBER));
    expect(out.issue).not.toHaveProperty('verifyNote');
    expect(out.audit).toEqual({ action: 'verify', from: 'submitted', to: 'closed' });
  });
});

describe('apply: reject (驳回)', () => {
  it('sends the issue back, counting and keeping the reason', () => {
    const before = issueIn('submitted', { rejectCount: 1, rejectReasons: ['没有照片'] });
    const out = outcome(act(before, ACTIONS.reject, MEMBER));
    expect(out.issue).toMatchObject({ state: 'assigned', rejectCount: 2, rejectReasons: ['没有照片', '照片看不清'], deadline: DEADLINE });
    expect(out.audit).toEqual({ action: 'reject', from: 'submitted', to: 'assigned', note: '照片看不清' });
  });

  it('counts the first rejection', () => {
    const out = outcome(act(issueIn('submitted'), ACTIONS.reject, MEMBER));
    expect(out.issue.rejectCount).toBe(1);
    expect(out.issue.rejectReasons).toEqual(['照片看不清']);
  });
});

describe('apply: extend (延期) by the team', () => {
  it('moves the deadline and records {from, to, reason, by, at}', () => {
    const out = outcome(act(issueIn('assigned'), ACTIONS.extend, MEMBER));
    expect(out.issue.deadline).toBe(NEW_DEADLINE);
    expect(out.issue.deadlineChanges).toEqual([{ from: DEADLINE, to: NEW_DEADLINE, reason: '配件未到货', by: MEMBER.userid, at: NOW }]);
    expect(out.audit).toEqual({ action: 'extend', from: 'assigned', to: 'assigned', note: '配件未到货' });
  });

  it('records from: null when a reported issue had no deadline', () => {
    const out = outcome(act(issueIn('reported'), ACTIONS.extend, MEMBER));
    expect(out.issue.deadlineChanges).toEqual([{ from: null, to: NEW_DEADLINE, reason: '配件未到货', by: MEMBER.userid, at: NOW }]);
  });

  it('clears a pending request', () => {
    const before = issueIn('assigned', { extensionRequest: { to: REQUESTED, reason: 'r', by: ASSIGNEE_ID, at: NOW - HOUR } });
    const out = outcome(act(before, ACTIONS.extend, MEMBER));
    expect(out.issue).not.toHaveProperty('extensionRequest');
    expect(out.issue.deadline).toBe(NEW_DEADLINE);
  });

  it.each<[string, number]>([
    ['now', NOW],
    ['a minute ago', NOW - 60_000],
    ['the old deadline', DEADLINE],
  ])('refuses a new deadline of %s', (_when, to) => {
    const r = refusal(act(issueIn('assigned'), { type: 'extend', to, reason: '配件未到货' }, MEMBER));
    expect(r.kind).toBe('state');
  });

  it('accepts a new deadline one millisecond from now', () => {
    expect(outcome(act(issueIn('assigned'), { type: 'extend', to: NOW + 1, reason: 'r' }, MEMBER)).issue.deadline).toBe(NOW + 1);
  });
});

describe('apply: approve-extension', () => {
  const request = { to: REQUESTED, reason: '雨季施工困难', by: ASSIGNEE_ID, at: NOW - HOUR };

  it('applies the requested date, records who approved, and clears the request', () => {
    const out = outcome(act(issueIn('assigned', { extensionRequest: request }), ACTIONS['approve-extension'], LEADER));
    expect(out.issue.deadline).toBe(REQUESTED);
    expect(out.issue).not.toHaveProperty('extensionRequest');
    expect(out.issue.deadlineChanges).toEqual([{ from: DEADLINE, to: REQUESTED, reason: '雨季施工困难', by: LEADER.userid, at: NOW }]);
    expect(out.audit).toEqual({ action: 'approve-extension', from: 'assigned', to: 'assigned', note: '同意延期：雨季施工困难' });
  });

  it('refuses when nothing was asked, naming the issue', () => {
    const r = refusal(act(issueIn('assigned'), ACTIONS['approve-extension'], LEADER));
    expect(r.kind).toBe('state');
    expect(r.kind === 'state' && r.message).toContain('#12');
  });

  it('refuses a request whose date has passed meanwhile', () => {
    const stale = { ...request, to: NOW - 1 };
    expect(refusal(act(issueIn('assigned', { extensionRequest: stale }), ACTIONS['approve-extension'], LEADER)).kind).toBe('state');
  });

  it('round trip: the assignee asks, a member approves', () => {
    const asked = outcome(act(issueIn('assigned'), { type: 'extend', to: REQUESTED, reason: '雨季施工困难' }, ASSIGNEE)).issue;
    expect(asked.deadline).toBe(DEADLINE);
    const approved = outcome(act(asked, ACTIONS['approve-extension'], MEMBER, NOW + HOUR)).issue;
    expect(approved.deadline).toBe(REQUESTED);
    expect(approved.version).toBe(asked.version + 1);
    expect(approved.deadlineChanges).toEqual([{ from: DEADLINE, to: REQUESTED, reason: '雨季施工困难', by: MEMBER.userid, at: NOW + HOUR }]);
  });
});

describe('apply: revisit (回访)', () => {
  it('normal: closes the revisit, keeping closedAt and closedOnTime', () => {
    const out = outcome(act(issueIn('closed'), ACTIONS.revisit, MEMBER));
    expect(out.issue).toMatchObject({
      state: 'revisited',
      revisitedAt: NOW,
      revisitNote: '运行正常',
      closedAt: T0 + 6 * DAY_MS,
      closedOnTime: true,
      relapseCount: 0,
    });
    expect(out.audit).toEqual({ action: 'revisit', from: 'closed', to: 'revisited', note: '运行正常' });
  });

  it('normal without a note audits 回访正常', () => {
    const out = outcome(act(issueIn('closed'), { type: 'revisit', outcome: 'normal' }, MEMBER));
    expect(out.issue).not.toHaveProperty('revisitNote');
    expect(out.audit.note).toBe('回访正常');
  });

  it('relapse: reopens, counts it, clears the close and sets the new deadline', () => {
    const before = issueIn('closed', { relapseCount: 1 });
    const out = outcome(act(before, RELAPSE, MEMBER));
    expect(out.issue).toMatchObject({ state: 'assigned', relapseCount: 2, assignedAt: NOW, deadline: NEW_DEADLINE, assignee: ASSIGNEE_ID });
    expect(out.issue).not.toHaveProperty('closedAt');
    expect(out.issue).not.toHaveProperty('closedOnTime');
    expect(out.issue.deadlineChanges).toEqual([{ from: DEADLINE, to: NEW_DEADLINE, reason: '回访发现反弹，重新整改', by: MEMBER.userid, at: NOW }]);
    expect(out.audit).toEqual({ action: 'revisit', from: 'closed', to: 'assigned', note: '反弹：路灯又坏了' });
  });

  it('relapse without a new deadline keeps the old one and records no change', () => {
    const out = outcome(act(issueIn('closed'), { type: 'revisit', outcome: 'relapse' }, MEMBER));
    expect(out.issue).toMatchObject({ state: 'assigned', relapseCount: 1, deadline: DEADLINE });
    expect(out.issue).not.toHaveProperty('closedAt');
    expect(out.issue.deadlineChanges).toEqual([]);
    expect(out.audit.note).toBe('反弹');
  });
});

describe('apply: remind (催办)', () => {
  it('changes nothing but the version and audits 催办', () => {
    const before = issueIn('assigned');
    const out = outcome(act(before, ACTIONS.remind, MEMBER));
    expect(out.issue).toEqual({ ...before, version: before.version + 1 });
    expect(out.audit).toEqual({ action: 'remind', from: 'assigned', to: 'assigned', note: '催办' });
  });
});

describe('apply: refusals change nothing', () => {
  it.each(ACTION_TYPES)('%s refused leaves the frozen issue as it was', (type) => {
    // act() freezes and compares; the refusal itself must carry no issue.
    const result = act(issueIn('canceled'), ACTIONS[type], STRANGER);
    expect(isRefusal(result)).toBe(true);
    expect(result).not.toHaveProperty('issue');
  });
});

/* ---------------------------------------------------------------- overdue and colours */

describe('isOverdue (derived, never stored)', () => {
  it.each<[string, boolean, IssueState, number | undefined, number]>([
    ['assigned, a day before the deadline', false, 'assigned', DEADLINE, DEADLINE - DAY_MS],
    ['assigned, exactly at the deadline', false, 'assigned', DEADLINE, DEADLINE],
    ['assigned, one millisecond after', true, 'assigned', DEADLINE, DEADLINE + 1],
    ['assigned, days after', true, 'assigned', DEADLINE, DEADLINE + 5 * DAY_MS],
    ['assigned without a deadline', false, 'assigned', undefined, DEADLINE + 5 * DAY_MS],
    ['reported past its deadline', false, 'reported', DEADLINE, DEADLINE + 1],
    ['submitted past the deadline (待核验 stops the clock)', false, 'submitted', DEADLINE, DEADLINE + 5 * DAY_MS],
    ['closed past the deadline', false, 'closed', DEADLINE, DEADLINE + 1],
    ['revisited past the deadline', false, 'revisited', DEADLINE, DEADLINE + 1],
    ['canceled past the deadline', false, 'canceled', DEADLINE, DEADLINE + 1],
  ])('%s → overdue %s', (_case, overdue, state, deadline, now) => {
    expect(isOverdue(deadline === undefined ? { state } : { state, deadline }, now)).toBe(overdue);
  });
});

describe('colourOf (三色预警)', () => {
  const yellowWithin = 2 * DAY_MS;
  it.each<[string, 'red' | 'yellow' | 'green', number]>([
    ['one millisecond overdue', 'red', DEADLINE + 1],
    ['days overdue', 'red', DEADLINE + 3 * DAY_MS],
    ['exactly at the deadline', 'yellow', DEADLINE],
    ['an hour left', 'yellow', DEADLINE - HOUR],
    ['exactly yellowWithin left (inclusive)', 'yellow', DEADLINE - yellowWithin],
    ['yellowWithin and a millisecond left', 'green', DEADLINE - yellowWithin - 1],
    ['a week left', 'green', DEADLINE - 7 * DAY_MS],
  ])('assigned, %s → %s', (_case, colour, now) => {
    expect(colourOf({ state: 'assigned', deadline: DEADLINE }, now, yellowWithin)).toBe(colour);
  });

  it.each(ISSUE_STATES.filter((s) => s !== 'assigned'))('%s has no colour, even past its deadline', (state) => {
    expect(colourOf({ state, deadline: DEADLINE }, DEADLINE + 1, yellowWithin)).toBeUndefined();
    expect(colourOf({ state, deadline: DEADLINE }, DEADLINE - DAY_MS, yellowWithin)).toBeUndefined();
  });

  it('agrees with isOverdue on red', () => {
    for (const now of [DEADLINE - DAY_MS, DEADLINE, DEADLINE + 1]) {
      expect(colourOf({ state: 'assigned', deadline: DEADLINE }, now, yellowWithin) === 'red').toBe(isOverdue({ state: 'assigned', deadline: DEADLINE }, now));
    }
  });
});

describe('apply: decisions taken after review', () => {
  it('an assignee who is also on the team only asks to extend; the deadline holds', () => {
    const both = actor(ASSIGNEE_ID, { inArea: true });
    const result = outcome(act(issueIn('assigned'), { type: 'extend', to: NEW_DEADLINE, reason: '配件未到' }, both));
    expect(result.issue.deadline).toBe(DEADLINE);
    expect(result.issue.extensionRequest).toEqual({ to: NEW_DEADLINE, reason: '配件未到', by: ASSIGNEE_ID, at: NOW });
  });

  it('a pending extension request is dropped once the fix is reported', () => {
    const pending = issueIn('assigned', { extensionRequest: { to: REQUESTED, reason: '配件未到', by: ASSIGNEE_ID, at: NOW - HOUR } });
    const result = outcome(act(pending, { type: 'fix', note: '已修好', evidence: [] }, ASSIGNEE));
    expect(result.issue.extensionRequest).toBeUndefined();
  });

  it('a deadline given at 上报 starts the deadline history', () => {
    const result = outcome(
      createIssue({ id: 3, unitId: 'banzhu', teamIds: ['t1'], description: '路灯不亮', homeChat: 'CHAT_T1', deadline: DEADLINE, evidence: [] }, MEMBER, T0),
    );
    expect(result.issue.deadlineChanges).toEqual([{ from: null, to: DEADLINE, reason: '上报', by: MEMBER.userid, at: T0 }]);
  });
});

/* ---------------------------------------------------------------- duties kept apart (两人核验) */

describe('duties kept apart (两人核验)', () => {
  const duty = (reason: string): Refusal => ({ kind: 'permission', allowed: WHO.otherMember, reason });
  /** A team member of the area, assigned the issue by a colleague. */
  const MEMBER_ASSIGNEE = actor('u_m5', { inArea: true });

  describe('verify (销号) and reject (驳回)', () => {
    it('fix records who reported it', () => {
      expect(outcome(act(issueIn('assigned'), ACTIONS.fix, MEMBER)).issue.fixedBy).toBe(MEMBER.userid);
      expect(outcome(act(issueIn('assigned'), ACTIONS.fix, ASSIGNEE)).issue.fixedBy).toBe(ASSIGNEE_ID);
    });

    it('the member who reported the fix for the unit may neither verify nor reject it; a colleague may', () => {
      const submitted = outcome(act(issueIn('assigned'), ACTIONS.fix, MEMBER)).issue;
      expect(act(submitted, ACTIONS.verify, MEMBER)).toEqual(duty('#12 的整改由你反馈，销号需由本片区工作队的其他同志核验（两人核验）'));
      expect(act(submitted, ACTIONS.reject, MEMBER)).toEqual(duty('#12 的整改由你反馈，驳回需由本片区工作队的其他同志核验（两人核验）'));
      expect(outcome(act(submitted, ACTIONS.verify, LEADER)).issue.state).toBe('closed');
      expect(outcome(act(submitted, ACTIONS.reject, LEADER)).issue.state).toBe('assigned');
    });

    it.each<[string, Actor]>([
      ['an admin', actor('u_fixer', { admin: true })],
      ['an admin who is also in the area', actor('u_fixer', { admin: true, inArea: true })],
    ])('the rule holds for %s who reported the fix', (_who, who) => {
      const submitted = outcome(act(issueIn('assigned'), ACTIONS.fix, who)).issue;
      expect(act(submitted, ACTIONS.verify, who)).toMatchObject({ kind: 'permission', allowed: WHO.otherMember });
    });

    it('an earlier fix reporter may verify a later fix reported by someone else', () => {
      const first = outcome(act(issueIn('assigned'), ACTIONS.fix, MEMBER)).issue;
      const rejected = outcome(act(first, ACTIONS.reject, LEADER, NOW + HOUR)).issue;
      const second = outcome(act(rejected, ACTIONS.fix, ASSIGNEE, NOW + 2 * HOUR)).issue;
      expect(second.fixedBy).toBe(ASSIGNEE_ID);
      expect(outcome(act(second, ACTIONS.verify, MEMBER, NOW + 3 * HOUR)).issue.state).toBe('closed');
    });

    it('reassigning keeps everyone who was the assignee, once each', () => {
      const toMember = outcome(act(issueIn('assigned'), { type: 'assign', assignee: MEMBER_ASSIGNEE.userid, deadline: DEADLINE }, MEMBER)).issue;
      expect(toMember.formerAssignees).toEqual([ASSIGNEE_ID]);
      const back = outcome(act(toMember, { type: 'assign', assignee: ASSIGNEE_ID, deadline: DEADLINE }, MEMBER)).issue;
      expect(back.formerAssignees).toEqual([ASSIGNEE_ID, MEMBER_ASSIGNEE.userid]);
      const again = outcome(act(back, { type: 'assign', assignee: MEMBER_ASSIGNEE.userid, deadline: DEADLINE }, MEMBER)).issue;
      expect(again.formerAssignees).toEqual([ASSIGNEE_ID, MEMBER_ASSIGNEE.userid]);
    });

    it('assigning the same person again records no former assignee', () => {
      const same = outcome(act(issueIn('assigned'), { type: 'assign', assignee: ASSIGNEE_ID, deadline: NEW_DEADLINE }, MEMBER)).issue;
      expect(same).not.toHaveProperty('formerAssignees');
    });

    it('a former assignee (a team member) may neither verify nor reject', () => {
      const toMember = outcome(act(issueIn('assigned'), { type: 'assign', assignee: MEMBER_ASSIGNEE.userid, deadline: DEADLINE }, MEMBER)).issue;
      const away = outcome(act(toMember, { type: 'assign', assignee: ASSIGNEE_ID, deadline: DEADLINE }, MEMBER)).issue;
      const submitted = outcome(act(away, ACTIONS.fix, ASSIGNEE)).issue;
      expect(act(submitted, ACTIONS.verify, MEMBER_ASSIGNEE)).toEqual(duty('你曾是 #12 的责任人，销号需由本片区工作队的其他同志核验（两人核验）'));
      expect(act(submitted, ACTIONS.reject, MEMBER_ASSIGNEE)).toEqual(duty('你曾是 #12 的责任人，驳回需由本片区工作队的其他同志核验（两人核验）'));
      // The member who reassigned it had no part in the fix.
      expect(outcome(act(submitted, ACTIONS.verify, MEMBER)).issue.state).toBe('closed');
    });

    it('the reporter, with no part in the fix, may still verify', () => {
      expect(outcome(act(issueIn('submitted', { fixedBy: ASSIGNEE_ID }), ACTIONS.verify, REPORTER)).issue.state).toBe('closed');
    });
  });

  describe('approve-extension', () => {
    it('the member-assignee who asked may not approve; a colleague may', () => {
      const asked = outcome(act(issueIn('assigned', { assignee: MEMBER_ASSIGNEE.userid }), ACTIONS.extend, MEMBER_ASSIGNEE)).issue;
      expect(asked.extensionRequest?.by).toBe(MEMBER_ASSIGNEE.userid);
      expect(act(asked, ACTIONS['approve-extension'], MEMBER_ASSIGNEE)).toEqual(duty('#12 的延期由你申请，需由本片区工作队批准'));
      expect(outcome(act(asked, ACTIONS['approve-extension'], MEMBER)).issue.deadline).toBe(NEW_DEADLINE);
    });

    it('whoever asked may not approve, even once no longer the assignee', () => {
      const request = { to: REQUESTED, reason: '雨季施工困难', by: MEMBER.userid, at: NOW - HOUR };
      expect(act(issueIn('assigned', { extensionRequest: request }), ACTIONS['approve-extension'], MEMBER)).toEqual(
        duty('#12 的延期由你申请，需由本片区工作队批准'),
      );
    });

    it('the assignee may not approve a request for their deadline made by someone else', () => {
      const request = { to: REQUESTED, reason: '雨季施工困难', by: 'u_other', at: NOW - HOUR };
      const both = actor(ASSIGNEE_ID, { inArea: true });
      expect(act(issueIn('assigned', { extensionRequest: request }), ACTIONS['approve-extension'], both)).toEqual(
        duty('你是 #12 的责任人，延期需由本片区工作队批准'),
      );
    });
  });

  describe('no self-assignment', () => {
    const SELF = '不能把问题交办给自己：交办人和责任人须是两个人，请 @该单位责任人或其他同志';

    it.each<[string, Actor]>([
      ['a member', MEMBER],
      ['a leader', LEADER],
      ['an admin', ADMIN],
    ])('%s may not /交办 to themselves, from 待交办 or 整改中', (_who, who) => {
      for (const state of ['reported', 'assigned'] as const) {
        expect(act(issueIn(state), { type: 'assign', assignee: who.userid, deadline: NEW_DEADLINE }, who)).toEqual(duty(SELF));
      }
    });

    it.each<[string, Actor]>([
      ['a member', MEMBER],
      ['a leader', LEADER],
      ['an admin', ADMIN],
    ])('%s may not /上报 naming themselves as the assignee', (_who, who) => {
      const input: NewIssueInput = { id: 7, unitId: 'banzhu', teamIds: ['t1'], description: '路灯不亮', homeChat: 'CHAT_T1', assignee: who.userid, deadline: DEADLINE, evidence: [] };
      expect(createIssue(input, who, T0)).toEqual(duty(SELF));
      expect(mayReport(who, who.userid)).toEqual(duty(SELF));
      expect(mayReport(who, ASSIGNEE_ID)).toBeUndefined();
      expect(mayReport(who)).toBeUndefined();
    });

    it('a stranger is told the role first, not the duty', () => {
      expect(mayReport(STRANGER, STRANGER.userid)).toEqual({ kind: 'permission', allowed: WHO.areaTeam });
      expect(act(issueIn('reported'), { type: 'assign', assignee: STRANGER.userid, deadline: NEW_DEADLINE }, STRANGER)).toEqual({
        kind: 'permission',
        allowed: WHO.areaTeam,
      });
    });
  });

  it('one member alone is stopped at every step of the loop', () => {
    const ME = actor('u_alone', { inArea: true });
    const input: NewIssueInput = { id: 7, unitId: 'banzhu', teamIds: ['t1'], description: '路灯不亮', homeChat: 'CHAT_T1', deadline: DEADLINE, evidence: [] };
    // /上报 … @自己
    expect(createIssue({ ...input, assignee: ME.userid }, ME, T0)).toMatchObject({ kind: 'permission', allowed: WHO.otherMember });
    // /上报 without an assignee, then /交办 @自己
    let issue = outcome(createIssue(input, ME, T0)).issue;
    expect(act(issue, { type: 'assign', assignee: ME.userid, deadline: DEADLINE }, ME)).toMatchObject({ kind: 'permission', allowed: WHO.otherMember });
    // A colleague assigns it to him: he asks for an extension and may not approve it.
    issue = outcome(act(issue, { type: 'assign', assignee: ME.userid, deadline: DEADLINE }, MEMBER, T0 + HOUR)).issue;
    issue = outcome(act(issue, { type: 'extend', to: REQUESTED, reason: '配件未到' }, ME, T0 + 2 * HOUR)).issue;
    expect(issue.deadline).toBe(DEADLINE);
    expect(act(issue, ACTIONS['approve-extension'], ME, T0 + 3 * HOUR)).toMatchObject({ kind: 'permission', allowed: WHO.otherMember });
    // He reports the fix and may neither verify nor reject it.
    issue = outcome(act(issue, { type: 'fix', note: '已修好', evidence: [] }, ME, T0 + 4 * HOUR)).issue;
    expect(act(issue, ACTIONS.verify, ME, T0 + 5 * HOUR)).toMatchObject({ kind: 'permission', allowed: WHO.otherMember });
    expect(act(issue, ACTIONS.reject, ME, T0 + 5 * HOUR)).toMatchObject({ kind: 'permission', allowed: WHO.otherMember });
    expect(issue.state).toBe('submitted');
  });
});

/* ---------------------------------------------------------------- entry limits */

describe('entries per issue are capped', () => {
  const changes = (n: number) => Array.from({ length: n }, (_, i) => ({ from: null, to: DEADLINE, reason: `第${i}次`, by: 'u_m2', at: T0 + i }));
  const photos = (n: number, prefix = 'p') => Array.from({ length: n }, (_, i) => ev(`${prefix}${i}`));

  it('rejections: the 50th is allowed, the 51st refused naming the count', () => {
    expect(outcome(act(issueIn('submitted', { rejectCount: ENTRY_LIMITS.rejections - 1 }), ACTIONS.reject, MEMBER)).issue.rejectCount).toBe(ENTRY_LIMITS.rejections);
    const r = refusal(act(issueIn('submitted', { rejectCount: ENTRY_LIMITS.rejections }), ACTIONS.reject, MEMBER));
    expect(r).toEqual({ kind: 'state', message: '#12 已驳回 50 次，达到上限；请核验销号，或由上报人撤销后重新上报' });
  });

  it.each<[string, Action, IssueState, Partial<Issue>]>([
    ['a team /延期', ACTIONS.extend, 'assigned', {}],
    ['/交办 with a new deadline', ACTIONS.assign, 'assigned', {}],
    ['/延期 同意', ACTIONS['approve-extension'], 'assigned', { extensionRequest: { to: REQUESTED, reason: 'r', by: ASSIGNEE_ID, at: NOW - HOUR } }],
    ['a relapse with a new deadline', RELAPSE, 'closed', {}],
  ])('deadline changes: %s past 50 is refused', (_what, action, state, over) => {
    const full = issueIn(state, { ...over, deadlineChanges: changes(ENTRY_LIMITS.deadlineChanges) });
    expect(refusal(act(full, action, MEMBER))).toEqual({ kind: 'state', message: '#12 的期限已调整 50 次，达到上限，不能再调整' });
    const room = issueIn(state, { ...over, deadlineChanges: changes(ENTRY_LIMITS.deadlineChanges - 1) });
    expect(outcome(act(room, action, MEMBER)).issue.deadlineChanges).toHaveLength(ENTRY_LIMITS.deadlineChanges);
  });

  it('deadline changes: a reassignment keeping the deadline is still allowed at the cap', () => {
    const full = issueIn('assigned', { deadlineChanges: changes(ENTRY_LIMITS.deadlineChanges) });
    expect(outcome(act(full, { type: 'assign', assignee: 'u_sec_new', deadline: DEADLINE }, MEMBER)).issue.assignee).toBe('u_sec_new');
  });

  it('extension requests: counted, and refused past 50', () => {
    const first = outcome(act(issueIn('assigned'), ACTIONS.extend, ASSIGNEE)).issue;
    expect(first.extensionRequestCount).toBe(1);
    expect(outcome(act(first, ACTIONS.extend, ASSIGNEE)).issue.extensionRequestCount).toBe(2);
    const r = refusal(act(issueIn('assigned', { extensionRequestCount: ENTRY_LIMITS.extensionRequests }), ACTIONS.extend, ASSIGNEE));
    expect(r).toEqual({ kind: 'state', message: '#12 已申请延期 50 次，达到上限，不能再申请' });
  });

  it('evidence: a fix may fill the issue up to 50 photos, not past', () => {
    const near = issueIn('assigned', { evidence: photos(ENTRY_LIMITS.evidence - 9) });
    expect(outcome(act(near, { type: 'fix', note: '见照片', evidence: photos(9, 'n') }, ASSIGNEE)).issue.evidence).toHaveLength(ENTRY_LIMITS.evidence);
    const over = issueIn('assigned', { evidence: photos(ENTRY_LIMITS.evidence - 2) });
    expect(refusal(act(over, { type: 'fix', note: '见照片', evidence: photos(9, 'n') }, ASSIGNEE))).toEqual({
      kind: 'state',
      message: '#12 最多保存 50 张照片，已有 48 张，这次的 9 张请挑选 2 张以内重新发送',
    });
    const full = issueIn('assigned', { evidence: photos(ENTRY_LIMITS.evidence) });
    expect(refusal(act(full, { type: 'fix', note: '见照片', evidence: photos(1, 'n') }, ASSIGNEE))).toMatchObject({ message: expect.stringContaining('不能再添加') });
    expect(outcome(act(full, { type: 'fix', note: '已整改', evidence: [] }, ASSIGNEE)).issue.state).toBe('submitted');
  });

  it('evidence: a report with more than 50 photos is refused', () => {
    const input: NewIssueInput = { id: 7, unitId: 'banzhu', teamIds: ['t1'], description: '路灯不亮', homeChat: 'CHAT_T1', evidence: photos(ENTRY_LIMITS.evidence + 1) };
    expect(createIssue(input, MEMBER, T0)).toMatchObject({ kind: 'state' });
    expect(outcome(createIssue({ ...input, evidence: photos(ENTRY_LIMITS.evidence) }, MEMBER, T0)).issue.evidence).toHaveLength(ENTRY_LIMITS.evidence);
  });
});
