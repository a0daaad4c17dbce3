import { readRoundScope } from '../../src/parsing/unit-scope';
import { unitLabel } from '../../src/rendering/issue';
import { demoOrg } from '../support/app';
import { bucketOf, countsFromStates, readTaskRef, splitTaskRef, type Task } from '../../src/domain/task';
import { groupByChat, packLines } from '../../src/domain/task-groups';
import { planTask, taskAuthority } from '../../src/domain/task-plan';
import { ledgerOps } from '../../src/store/ledger-ops';
import { createKeys } from '../../src/store/keys';
import { readUnitScope as readTaskScope } from '../../src/parsing/unit-scope';
import { taskCard, taskPushParts, taskText } from '../../src/rendering/tasks';
import { generateOrg } from '../support/generate-org';

const { org } = generateOrg();
const now = Date.parse('2026-12-01T10:00:00+08:00');
const units = (pred: (u: (typeof org.units)[number]) => boolean) => org.units.filter(pred).map((u) => u.id);

describe('task references', () => {
  it.each([
    ['#T3', 3],
    ['T3', 3],
    ['#t3', 3],
    ['＃Ｔ3', 3],
    ['任务3', 3],
    ['任务#3', 3],
    ['任务#T12', 12],
  ])('%s → %d', (word, id) => expect(readTaskRef(word)).toBe(id));
  it('reads a bare number only where it can only be a task', () => {
    expect(readTaskRef('3')).toBeUndefined();
    expect(readTaskRef('3', true)).toBe(3);
    // "#3" is issue 3 everywhere, /任务 included (it shows that issue's task).
    expect(readTaskRef('#3', true)).toBeUndefined();
    expect(readTaskRef('T3x')).toBeUndefined();
    expect(readTaskRef('任务')).toBeUndefined();
  });
});

describe('task references with punctuation after them', () => {
  it.each([
    ['#T2，重复布置', 2, '重复布置'],
    ['#T1，', 1, ''],
    ['T1。', 1, ''],
    ['任务3、', 3, ''],
    ['＃Ｔ12：', 12, ''],
  ])('%s → %d, rest %s', (word, id, rest) => expect(splitTaskRef(word)).toEqual({ id, rest }));
  it('a bare number with punctuation only where a task is meant; glued letters are no reference', () => {
    expect(readTaskRef('T1。')).toBe(1);
    expect(readTaskRef('2。', true)).toBe(2);
    expect(splitTaskRef('T3x')).toBeUndefined();
    expect(splitTaskRef('T3号楼')).toBeUndefined();
  });
});

describe('reading 范围', () => {
  const ids = (r: ReturnType<typeof readTaskScope>) => (r.ok ? r.units.map((u) => u.id) : r);
  const villages = units((u) => u.town === '福禄镇' && u.kind === '村');
  it.each(['福禄镇 村', '福禄镇的村', '福禄镇村', '福禄的村', '第1工作队 村'])('a place joined with a kind is their intersection: %s', (text) => {
    expect(villages.length).toBeGreaterThan(0);
    expect(ids(readTaskScope(org, text))).toEqual(villages);
  });
  it('、 and , stay a union; canonical labels are echoed', () => {
    const r = readTaskScope(org, '福禄镇 村、七塘鎮');
    expect(ids(r)).toEqual(units((u) => (u.town === '福禄镇' && u.kind === '村') || u.town === '七塘镇'));
    expect(r.ok && r.label).toBe('福禄镇的村、七塘镇');
    expect(readTaskScope(org, '福禄镇,七塘镇').ok && (readTaskScope(org, '福禄镇,七塘镇') as { units: unknown[] }).units.length).toBe(100);
  });
  it('offers the scope word a typo means (same sound, one character off), never acting on it', () => {
    expect(readTaskScope(org, '福路镇')).toMatchObject({ ok: false, reason: 'unknown', near: ['福禄镇'] });
    const b = org.units.find((u) => u.kind === '村')!;
    const typo = `${b.name.slice(0, -1)}材`;
    const r = readTaskScope(org, `${b.town}${typo}`);
    expect(r).toMatchObject({ ok: false, reason: 'unknown' });
    expect(!r.ok && r.reason === 'unknown' && r.near).toContain(`${b.town}${b.name}`);
  });
});

describe('reading 范围 (before)', () => {
  it('reads 全区, a town (also short), a kind, a team and units, joined by 、 , ，', () => {
    expect(readTaskScope(org, '全区')).toMatchObject({ ok: true, units: org.units });
    const town = readTaskScope(org, '福禄镇');
    expect(town.ok && town.units.map((u) => u.id)).toEqual(units((u) => u.town === '福禄镇'));
    const short = readTaskScope(org, '福禄');
    expect(short.ok && short.units.length).toBe(50);
    const kind = readTaskScope(org, '学校');
    expect(kind.ok && kind.units.map((u) => u.id)).toEqual(units((u) => u.kind === '学校'));
    expect(readTaskScope(org, '所有社区').ok && (readTaskScope(org, '社区类') as { units: unknown[] }).units.length).toBe(units((u) => u.kind === '社区').length);
    const team = readTaskScope(org, '第2工作队');
    expect(team.ok && team.units.map((u) => u.id)).toEqual(units((u) => u.town === '七塘镇'));
    const a = org.units[3]!;
    const b = org.units[120]!;
    const list = readTaskScope(org, `${a.name}，${b.town}${b.name}、福禄镇,${a.name}`);
    // Units in the org's order, each once.
    expect(list.ok && list.units.map((u) => u.id)).toEqual(units((u) => u.town === '福禄镇' || u.id === b.id));
  });

  it('says which word it does not know, and asks about a shared name', () => {
    expect(readTaskScope(org, '福禄镇、火星村')).toEqual({ ok: false, reason: 'unknown', word: '火星村', near: [] });
    expect(readTaskScope(org, ' 、 ')).toEqual({ ok: false, reason: 'empty' });
    // "青" starts many unit names.
    const r = readTaskScope(org, '青');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe('ambiguous');
  });
});

describe('who may assign a task', () => {
  const fulu = org.units.filter((u) => u.town === '福禄镇');
  const qitang = org.units.filter((u) => u.town === '七塘镇');
  it('admins anywhere, as 组织部布置', () => {
    expect(taskAuthority(org, org.membership('u_admin'), org.units, true)).toMatchObject({ ok: true, source: '组织部布置' });
  });
  it('a leader inside their area, under the team name; the units outside named; never 全区', () => {
    const leader = org.membership('u_t01_m1');
    expect(taskAuthority(org, leader, fulu, false)).toMatchObject({ ok: true, source: '第1工作队' });
    const out = taskAuthority(org, leader, [...fulu, ...qitang], false);
    expect(out.ok).toBe(false);
    expect(!out.ok && out.reason).toContain(`${qitang[0]!.town}${qitang[0]!.name}`);
    expect(!out.ok && out.reason).toContain(`等 ${qitang.length} 个单位不在第1工作队的片区`);
    const all = taskAuthority(org, leader, org.units, true);
    expect(!all.ok && all.reason).toContain('全区任务由组织部布置');
    expect(taskAuthority(org, org.membership('u_t01_m2'), fulu, false)).toMatchObject({ ok: false, allowed: '组织部或工作队队长' });
  });
});

describe('planning a task', () => {
  it('one issue per unit, consecutive ids, assigned to the secretary or 待交办', () => {
    const chosen = org.units.filter((u) => u.town === '福禄镇');
    const plan = planTask({ org, sender: org.membership('u_admin'), units: chosen, content: '自查', deadline: now + 86_400_000, scopeWords: '福禄镇', source: '组织部布置', taskId: 7, firstIssueId: 100, fromChat: 'CHAT_ADMIN', now });
    if ('kind' in plan) throw new Error('refused');
    expect(plan.outcomes.map((o) => o.issue.id)).toEqual(chosen.map((_, i) => 100 + i));
    for (const [i, o] of plan.outcomes.entries()) {
      expect(o.issue).toMatchObject({ taskId: 7, unitId: chosen[i]!.id, source: '组织部布置', homeChat: 'CHAT_T01', state: chosen[i]!.secretary ? 'assigned' : 'reported' });
    }
    expect(plan.task).toMatchObject({ id: 7, unitCount: 50, teamIds: ['t01'], chat: 'CHAT_ADMIN' });
    expect(plan.task.units[0]).toEqual([chosen[0]!.id, 100]);
  });
});

describe('the task counters kept by every commit', () => {
  const keys = createKeys('x:');
  const plan = planTask({ org, sender: org.membership('u_admin'), units: [org.units[0]!], content: '自查', deadline: now + 1000, scopeWords: '', source: '组织部布置', taskId: 4, firstIssueId: 1, fromChat: 'CHAT_ADMIN', now });
  if ('kind' in plan) throw new Error('refused');
  const issue = plan.outcomes[0]!.issue;
  it('counts a new task issue in its state and runs its clock', () => {
    const ops = ledgerOps(keys, undefined, issue);
    expect(ops).toContainEqual(['hincrby', keys.taskStats(4), 'assigned', 1]);
    expect(ops).toContainEqual(['zadd', keys.taskDeadlines(4), now + 1000, '1']);
  });
  it('moves the count and stops the clock on 整改', () => {
    const ops = ledgerOps(keys, issue, { ...issue, state: 'submitted', version: 2 });
    expect(ops).toContainEqual(['hincrby', keys.taskStats(4), 'assigned', -1]);
    expect(ops).toContainEqual(['hincrby', keys.taskStats(4), 'submitted', 1]);
    expect(ops).toContainEqual(['zrem', keys.taskDeadlines(4), '1']);
  });
  it('leaves an issue without a task as it was', () => {
    const { taskId: _t, ...plain } = issue;
    expect(ledgerOps(keys, undefined, plain).some((op) => op[1].includes(':task:'))).toBe(false);
  });
  it('reads 完成, 逾期 and the open ones from the counters', () => {
    expect(countsFromStates({ assigned: 3, submitted: 1, closed: 2, revisited: 1, canceled: 1 }, 2)).toEqual({ total: 8, done: 3, overdue: 2, open: 4 });
    expect(bucketOf({ state: 'assigned', deadline: now - 1 }, now)).toBe('overdue');
    expect(bucketOf({ state: 'assigned', deadline: now + 1 }, now)).toBe('rectifying');
  });
});

describe('one message per group, split so nothing is cut', () => {
  const chosen = org.units.filter((u) => u.town === '福禄镇');
  const plan = planTask({ org, sender: org.membership('u_admin'), units: chosen, content: '请<@u_admin>看 [链接](http://x.cn) www.x.cn\n第二行', deadline: now + 86_400_000, scopeWords: '福禄镇', source: '组织部布置', taskId: 3, firstIssueId: 1, fromChat: 'CHAT_ADMIN', now });
  if ('kind' in plan) throw new Error('refused');
  const task: Task = plan.task;

  it('groups by home chat, in order', () => {
    const g = groupByChat([{ homeChat: 'b', n: 1 }, { homeChat: 'a', n: 2 }, { homeChat: 'b', n: 3 }]);
    expect([...g.keys()]).toEqual(['b', 'a']);
    expect(g.get('b')!.map((x) => x.n)).toEqual([1, 3]);
  });

  it('packs lines into parts under the byte limit, header numbered, every line once', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `第${i}行：${'字'.repeat(20)}`);
    const parts = packLines((p, n) => `头（${p}/${n}）`, lines, 600);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.flat()).toEqual(lines);
    for (const [i, part] of parts.entries()) expect(Buffer.byteLength([`头（${i + 1}/${parts.length}）`, ...part].join('\n'))).toBeLessThanOrEqual(600);
  });

  it('a 50-unit group: parts "（1/2）" within 2048 bytes, each secretary @ed in the part that lists them', () => {
    const parts = taskPushParts(org, task, plan.shares, now);
    expect(parts.length).toBe(2);
    parts.forEach((p, i) => {
      expect(Buffer.byteLength(p.content)).toBeLessThanOrEqual(2048);
      expect(p.content.split('\n')[0]).toBe(`📋 组织部布置任务 #T3（${i + 1}/2）`);
    });
    const listed = parts.flatMap((p) => [...p.content.matchAll(/^#(\d+) /gmu)].map((m) => Number(m[1])));
    expect(listed).toEqual(plan.shares.map((s) => s.issueId));
    expect(parts.flatMap((p) => p.mentions)).toEqual(plan.shares.flatMap((s) => (s.secretary ? [s.secretary] : [])));
    const noSecretary = plan.shares.find((s) => !s.secretary)!;
    expect(parts.map((p) => p.content).join('\n')).toContain(`#${noSecretary.issueId} ${org.unit(noSecretary.unitId)!.town}${org.unit(noSecretary.unitId)!.name}　（未登记书记，待工作队交办）`);
  });

  it('a task content is data: no mention, no link, no second line', () => {
    const [first] = taskPushParts(org, task, plan.shares.slice(0, 2), now);
    expect(first!.content.split('\n')[1]).toBe('任务：请＜＠u_admin＞看 ［链接］(http：//x.cn) www．x.cn 第二行');
    expect(taskText('@张三 负责')).toBe('＠张三 负责');
  });

  it('/任务 counts 完成效果 when any unit was graded', () => {
    const rows = plan.shares.slice(0, 3).map((s, i) => ({ unitId: s.unitId, issueId: s.issueId, bucket: 'done' as const, ...(i < 2 ? { grade: i ? '好' : '一般' } : {}) }));
    const card = taskCard(org, task, rows, now, { partial: true, gradeWords: ['好', '较好', '一般', '差'] });
    expect(card).toContain('完成 3/3（100.0%）');
    expect(card).toContain('完成效果：好 1、一般 1');
    expect(card).toContain('本片区 3 个');
  });
});

describe('one 范围 reader for /布置 and /巡查 开始', () => {
  it('a round reads 范围:福禄 (a town written short) and labels a kind with its count', () => {
    const all = new Set(org.units.map((u) => u.id));
    expect(readRoundScope(org, all, '福禄')).toMatchObject({ kind: 'scope', label: '福禄镇', units: org.units.filter((u) => u.town === '福禄镇') });
    const schools = org.units.filter((u) => u.kind === '学校');
    expect(readRoundScope(org, all, '学校')).toMatchObject({ kind: 'scope', label: `学校（${schools.length}个）` });
    expect(readRoundScope(org, all, '福路镇')).toEqual({ kind: 'unknown', part: '福路镇', near: ['福禄镇'] });
    expect(readRoundScope(org, new Set([org.units[0]!.id]), '七塘镇')).toEqual({ kind: 'outside', label: '七塘镇' });
  });
});

describe('unit labels', () => {
  it('a unit named after its town is not prefixed again', () => {
    const demo = demoOrg();
    const school = demo.units.find((u) => u.name.startsWith(u.town))!;
    expect(unitLabel(demo, school.id)).toBe(school.name);
    const other = demo.units.find((u) => !u.name.startsWith(u.town))!;
    expect(unitLabel(demo, other.id)).toBe(`${other.town}${other.name}`);
  });
});
