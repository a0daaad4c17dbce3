import { commands } from '../../handlers';
import { commandInput } from '../../src/pipeline/command';
import { readIntent } from '../../src/pipeline/intents';
import { CommandRegistry } from '../../src/pipeline/registry';
import { continueDraft, refIn, route, type Route } from '../../src/pipeline/route';
import { unitIndex } from '../../src/parsing/units';
import { demoOrg } from '../support/app';

const registry = new CommandRegistry(commands);
const org = demoOrg();
const units = unitIndex(org);
const MEMBER = org.membership('u_t1_m2'); // 唐建平, 第一工作队 队员
const SECRETARY = org.membership('u_sec_banzhu'); // 斑竹村 书记
const LEADER_T1 = org.membership('u_luo'); // 罗志刚, 第一工作队 队长

function routed(text: string, who = MEMBER, extra: { quotedRef?: number } = {}): Route {
  return route({ text, sender: who, ...extra, isUnit: (w) => units.match(w).kind === 'one' }, registry);
}

/** "command args" as the handler will read it: name, issue refs, the remaining words, the note. */
function summary(r: Route): string {
  if (r.kind === 'reply') return `reply:${r.outcome}`;
  const c = r.command;
  const input = commandInput(r.text, { bareRef: c.takesIssue === true });
  const words = input.args.words.map((w) => w.raw).join(' ');
  return [c.name, ...input.args.refs.map((n) => `#${n}`), words, r.note ?? ''].filter(Boolean).join(' | ');
}

describe('route: issue numbers in every written form', () => {
  it.each<[string, string]>([
    ['/整改 #5，村道已修补。', 'fix | #5 | 村道已修补。'],
    ['/销号 #8，现场核验无误', 'verify | #8 | 现场核验无误'],
    ['/整改 8 路面积水已排干', 'fix | #8 | 路面积水已排干'],
    ['/销号 2', 'verify | #2'],
    ['/销号#2', 'verify | #2'],
    ['/销号 ＃2', 'verify | #2'],
    ['／銷號 ＃２', 'verify | #2'],
    ['/查看 5号', 'show | #5'],
    ['/查看 第5号', 'show | #5'],
    ['/查看 5号问题', 'show | #5'],
    ['/查看 第5个问题', 'show | #5'],
    ['/整改 #2修好了', 'fix | #2 | 修好了'],
    ['/整改 12号已更换闸阀', 'fix | #12 | 已更换闸阀'],
    ['/整改 #5 3号井盖已更换', 'fix | #5 | 3号井盖已更换'],
    ['/延期 #12 15号 配件未到', 'extend | #12 | #15 | 配件未到'],
    ['/延期 #8 国庆后 工程量大', 'extend | #8 | 国庆后 工程量大'],
    ['/我的。', 'mine'],
    ['/我的', 'mine'],
  ])('%s → %s', (text, want) => {
    expect(summary(routed(text))).toBe(want);
  });

  it('reads a bare number only for commands that take an issue', () => {
    expect(summary(routed('/上报 斑竹村 3 处路灯不亮'))).toBe('report | 斑竹村 3 处路灯不亮');
    expect(summary(routed('/清单 2'))).toBe('list | 2');
  });
});

describe('route: command words typed the way people type them', () => {
  it.each<[string, string]>([
    ['/消号 #2', 'verify | #2 | （已按 /销号 处理）'],
    ['/上抱 斑竹村 路灯不亮', 'report | 斑竹村 路灯不亮 | （已按 /上报 处理）'],
    ['/整该 #4 已修好', 'fix | #4 | 已修好 | （已按 /整改 处理）'],
    ['/上抱斑竹村路灯不亮', 'report | 斑竹村路灯不亮 | （已按 /上报 处理）'],
    ['/上报斑竹村路灯不亮', 'report | 斑竹村路灯不亮'],
    ['/stauts', 'status | （已按 /进度 处理）'],
    ['/view #3', 'show | #3'],
    ['/list overdue', 'list | overdue'],
    ['/report 斑竹村 路灯不亮', 'report | 斑竹村 路灯不亮'],
    ['/STATUS 全区', 'status | 全区'],
  ])('%s → %s', (text, want) => {
    expect(summary(routed(text))).toBe(want);
  });

  it('offers each close command, with the user’s words, when several are close', () => {
    // "mie" is one letter off both /mine and /me (我是谁).
    expect(routed('/mie 今天')).toEqual({
      kind: 'reply',
      reply: '❓ 你是想用哪个命令？请直接发送其中一条：\n`/我的 今天`\n`/我是谁 今天`',
      outcome: 'ambiguous_command',
    });
  });

  it('names an unknown command and points to /帮助', () => {
    const r = routed('/开会 明天');
    expect(r).toEqual({ kind: 'reply', reply: '⚠️ 没有 /开会 这个命令。发送 `/帮助` 查看常用命令。', outcome: 'unknown_command' });
  });

  it('keeps the command as typed for refusals', () => {
    const r = routed('/status 全区');
    expect(r.kind === 'command' && r.typed).toBe('/status');
  });
});

describe('route: no slash', () => {
  it.each<[string, string, ReturnType<typeof org.membership>]>([
    ['帮助', 'help', MEMBER],
    ['怎么用', 'help', SECRETARY],
    ['我的', 'mine', SECRETARY],
    ['我有哪些任务', 'mine', SECRETARY],
    ['我有哪些任务？', 'mine', MEMBER],
    ['12号已经整改好了，过期药品已清理', 'fix | #12 | 已经整改好了，过期药品已清理 | （已按 /整改 处理）', SECRETARY],
    ['#2 修好了', 'fix | #2 | 修好了 | （已按 /整改 处理）', SECRETARY],
    ['销号 #8 现场核验无误', 'verify | #8 | 现场核验无误', MEMBER],
    ['#2 修好了', 'reply:plain_fix_by_team', MEMBER],
    ['修好了', 'reply:fix_without_ref', SECRETARY],
    ['斑竹村 路灯坏了', 'reply:plain_report', MEMBER],
    ['今天天气不错', 'reply:not_command', MEMBER],
  ])('%s → %s', (text, want, who) => {
    expect(summary(routed(text, who))).toBe(want);
  });

  it('answers the team with the exact commands to send, pre-filled', () => {
    const r = routed('#2 修好了', MEMBER);
    expect(r.kind === 'reply' && r.reply).toBe('❓ 要做哪一步？请直接发送其中一条：\n`/整改 #2 修好了`（反馈整改）\n`/销号 #2`（核验销号）');
  });

  it('never puts the user’s code marks or lines into a suggested command', () => {
    const r = routed('斑竹村 路灯`坏了`\n**记录**', MEMBER);
    expect(r.kind === 'reply' && r.reply).toBe('❓ 要上报这个问题吗？请发送：`/上报 斑竹村 路灯 坏了 ＊＊记录＊＊`');
  });

  it('a secretary quoting an assignment reports the fix with what they wrote', () => {
    expect(summary(routed('已整改，闸阀已更换', SECRETARY, { quotedRef: 12 }))).toBe('fix | 闸阀已更换');
    expect(summary(routed('闸阀已更换', SECRETARY, { quotedRef: 12 }))).toBe('fix | 闸阀已更换');
  });

  it('drops a half-filled command on a plain 取消', () => {
    const r = route({ text: '算了', sender: MEMBER, draft: { v: 1, command: 'report', text: '斑竹村', field: 'description', at: 0 } }, registry);
    expect(summary(r)).toBe('cancel');
  });
});

describe('route: never a wrong action', () => {
  const quoted = (text: string, who = SECRETARY) => summary(routed(text, who, { quotedRef: 4 }));
  it.each<[string, string, ReturnType<typeof org.membership>]>([
    // A negation or a question is not a report.
    ['1号还没整改好，配件没到', 'reply:plain_not_done', SECRETARY],
    ['2号什么时候能修好？', 'reply:plain_not_done', SECRETARY],
    // A number that is not an issue.
    ['11月3号已经修好', 'reply:fix_without_ref', SECRETARY],
    ['村里5号路灯修好了', 'reply:fix_without_ref', SECRETARY],
    ['2号井盖已更换', 'reply:fix_without_ref', SECRETARY],
    // A sentence that merely starts with a command word.
    ['通过3号的反馈看，还没整改完', 'reply:fix_without_ref', MEMBER],
    ['核验12号问题的照片，看不清', 'reply:not_command', MEMBER],
    ['反馈：5号问题还没处理好', 'reply:plain_not_done', SECRETARY],
    ['撤销5号的驳回', 'reply:not_command', MEMBER],
    ['驳回3号的理由是什么', 'reply:not_command', MEMBER],
    // Close command words that are not the same sound are offered, never run, for writes.
    ['/未整改 #3 配件未到', 'reply:unknown_command', SECRETARY],
    ['/返回 #3', 'reply:offered_command', SECRETARY],
    // 通告 is one sound off both 通过 (/销号) and 通报: both are offered to 组织部; a member may
    // not use /通报, so is offered /销号 alone.
    ['/通告 #3', 'reply:ambiguous_command', org.membership('u_admin')],
    ['/通告 #3', 'reply:offered_command', MEMBER],
    ['/clone #3', 'reply:offered_command', MEMBER],
    ['/真改 #3 已修好', 'reply:offered_command', SECRETARY],
    // A count after the command is not the issue.
    ['/销号 3 个问题都没修好', 'verify | 3 个问题都没修好', MEMBER],
    ['/销号 10 分钟后再核验', 'verify | 10 分钟后再核验', MEMBER],
  ])('%s → %s', (text, want, who) => {
    expect(summary(routed(text, who))).toBe(want);
  });

  it.each<[string, string, ReturnType<typeof org.membership>]>([
    // Looking up only reads: done at once.
    ['5号', 'show | #5', SECRETARY],
    ['＃５', 'show | #5', MEMBER],
    ['#13 怎么样了', 'show | #13', LEADER_T1],
    ['帮我看看5号', 'show | #5', SECRETARY],
    ['查一下逾期的', 'list | 逾期', LEADER_T1],
    // Writes said plainly are offered, pre-filled.
    ['我要上报斑竹村路灯坏了', 'reply:offered_command', MEMBER],
    ['#7 核验通过', 'reply:offered_command', MEMBER],
    ['#3 还没整改到位', 'reply:plain_doubt_by_team', MEMBER],
    ['#17 正在整改', 'reply:plain_not_done', SECRETARY],
    ['15号前整改好', 'reply:fix_without_ref', SECRETARY],
    // A secretary's 延期 in words is a request the team still approves.
    ['#25 申请延期到12月20日，材料没到', 'extend | #25 | 12月20日，材料没到 | （已按 /延期 处理）', SECRETARY],
    // English glued to Chinese.
    ['/status福禄镇', 'status | 福禄镇', LEADER_T1],
  ])('%s → %s', (text, want, who) => {
    expect(summary(routed(text, who))).toBe(want);
  });

  it('quoting a message acts only on words that report the fix', () => {
    expect(quoted('收到，马上安排')).toBe('reply:quote_ack');
    expect(quoted('我有哪些任务')).toBe('mine');
    expect(quoted('这个不归我们村管')).toBe('reply:quote_ack');
    expect(quoted('还没修好，配件没到')).toBe('reply:plain_not_done');
    expect(quoted('闸阀已更换')).toBe('fix | 闸阀已更换');
    // A number in a quote reply is a count; the quoted message names the issue.
    expect(summary(route({ text: '/整改 3 处路灯已修好', sender: SECRETARY, quotedRef: 4 }, registry))).toBe('fix | 3 处路灯已修好');
  });

  it.each<[string, string]>([
    ['#8 快修好了', 'reply:plain_not_done'],
    ['#11 修好了一半', 'reply:plain_not_done'],
    ['#7 基本修好了', 'reply:plain_not_done'],
    ['#13 应该修好了吧', 'reply:plain_not_done'],
    ['7号明天修好', 'reply:plain_not_done'],
    ['整改 #40 没有完成', 'reply:plain_not_done'],
  ])('a hedged fix is never one: %s → %s', (text, want) => {
    expect(summary(routed(text, SECRETARY))).toBe(want);
  });

  it('a half-filled command takes no aside, and another command said plainly replaces it', () => {
    const draft = { v: 1 as const, command: 'fix', text: '#9', field: 'note' as const, at: 0 };
    for (const aside of ['好的', '收到', '稍等，我确认一下', '什么意思？', '@罗志刚 这个怎么弄']) {
      expect(summary(route({ text: aside, sender: SECRETARY, draft }, registry))).toBe('reply:draft_not_answered');
    }
    const reason = { v: 1 as const, command: 'reject', text: '#19', field: 'reason' as const, at: 0 };
    expect(summary(route({ text: '照片看不清', sender: MEMBER, draft: reason }, registry))).toBe('reject | #19 | 照片看不清');
    expect(summary(route({ text: '整改 20 还没开始', sender: MEMBER, draft: reason }, registry))).toBe('reply:plain_not_done');
  });

  it('lets help and 我的 through while a half-filled command waits', () => {
    const draft = { v: 1 as const, command: 'fix', text: '#5', field: 'note' as const, at: 0 };
    expect(summary(route({ text: '帮助', sender: SECRETARY, draft }, registry))).toBe('help');
    expect(summary(route({ text: '我的', sender: SECRETARY, draft }, registry))).toBe('mine');
    expect(summary(route({ text: '闸阀已更换', sender: SECRETARY, draft }, registry))).toBe('fix | #5 | 闸阀已更换');
  });
});

describe('route: the answer to /整改’s question (after 已整改 or a bare /整改 #6)', () => {
  const draft = { v: 1 as const, command: 'fix', text: '#6', field: 'note' as const, at: 0 };
  const answered = (text: string) => summary(route({ text, sender: SECRETARY, draft }, registry));

  it.each(['已安排专人值守', '闸阀已更换，不再漏水', '管道已修好，不漏了', '基本修好了，剩余部分本周内补齐', '部分路灯已更换', '未发现渗漏'])(
    'takes what the typed /整改 #6 takes: %s',
    (text) => {
      expect(answered(text)).toBe(`fix | #6 | ${text}`);
    },
  );

  it.each(['还没修好，配件没到', '正在整改', '明天安排人修', '下周完成', '能修好吗？', '快修好了', '修好了一半'])(
    'refuses only what says the fix is not done yet: %s',
    (text) => {
      expect(answered(text)).toBe('reply:fix_not_yet');
    },
  );

  it('offers the exact command with her words when it refuses', () => {
    const r = route({ text: '正在整改，明天\n完工', sender: SECRETARY, draft }, registry);
    expect(r.kind === 'reply' && r.reply).toBe(
      '❓ 这条读起来还没整改好，没有提交。整改好以后直接回复整改情况即可（可附照片）；这条就是整改情况的话，请发送：\n`/整改 #6 正在整改，明天 完工`\n还没整改好的话，可以申请延期：`/延期 #6 新期限 理由`\n发送“算了”放弃。',
    );
    // A dialogue started by quoting the assignment names the issue in the quote, not the text.
    const quoted = route({ text: '还没修好', sender: SECRETARY, draft: { ...draft, text: '', quotedRef: 8 } }, registry);
    expect(quoted.kind === 'reply' && quoted.reply).toContain('`/整改 #8 还没修好`');
  });

  it('keeps the no-slash rules: plain words that hedge are still no fix (docs/design.md §4.11)', () => {
    expect(summary(routed('#6 已安排专人值守', SECRETARY))).toBe('reply:not_command');
    expect(summary(routed('#6 基本修好了', SECRETARY))).toBe('reply:plain_not_done');
    expect(summary(routed('整改 #6 已安排专人值守', SECRETARY))).toBe('reply:plain_not_done');
  });
});

describe('route: a command word glued to its number, and a number alone', () => {
  const RAN = org.membership('u_t1_m3'); // 冉小兵, 第一工作队
  it.each<[string, string, ReturnType<typeof org.membership>]>([
    ['销号12', 'verify | #12', MEMBER],
    ['销号12号', 'verify | #12', MEMBER],
    ['銷號１２', 'verify | #12', MEMBER],
    ['驳回12，照片模糊', 'reject | #12 | 照片模糊', MEMBER],
    ['查看12', 'show | #12', SECRETARY],
    ['整改12 已修好', 'fix | #12 | 已修好', SECRETARY],
    ['12', 'show | #12', MEMBER],
    ['12。', 'show | #12', RAN],
    // Still no reading: a sentence that runs on after the number, a command without an issue.
    ['通过3号的反馈看', 'reply:not_command', MEMBER],
    ['核验12号问题的照片', 'reply:not_command', MEMBER],
    ['清单2', 'reply:not_command', MEMBER],
    // A write said plainly still acts only on plain words.
    ['驳回12，照片看不清', 'reply:offered_command', MEMBER],
  ])('%s → %s', (text, want, who) => {
    expect(summary(routed(text, who))).toBe(want);
  });

  it('offers the team an example their roles allow, and the unit’s secretary the fix', () => {
    const team = routed('今天天气不错', MEMBER);
    expect(team.kind === 'reply' && team.reply).toBe('⚠️ 没有看懂这条消息。可以直接说“帮助”“我的”，或发送命令，例如 `/帮助`、`/查看 #12`。');
    const unit = routed('今天天气不错', SECRETARY);
    expect(unit.kind === 'reply' && unit.reply).toBe('⚠️ 没有看懂这条消息。可以直接说“帮助”“我的”，或发送命令，例如 `/帮助`、`/整改 #12 已修好`。');
  });
});

describe('a command said without the slash by someone it would refuse', () => {
  const ADMIN = org.membership('u_admin');
  it('runs (and so is refused with who may) rather than being offered', () => {
    // Offering /约谈 to a leader only led to a refusal after they sent it.
    expect(summary(routed('约谈 斑竹村 台账不规范', LEADER_T1))).toBe('talk | 斑竹村 台账不规范');
    expect(summary(routed('约谈 斑竹村 台账不规范', SECRETARY))).toBe('talk | 斑竹村 台账不规范');
    // Whom it would serve still gets the offer: the words hedge (不).
    expect(summary(routed('约谈 斑竹村 台账不规范', ADMIN))).toBe('reply:offered_command');
  });
});

describe('readIntent', () => {
  it('never keeps the issue number in the note', () => {
    expect(readIntent('12号已经整改好了，过期药品已清理')).toEqual({ kind: 'fix', ref: 12, note: '已经整改好了，过期药品已清理', doubt: false });
    expect(readIntent('#7，过期药品已清理')).toEqual({ kind: 'fix', ref: 7, note: '过期药品已清理', doubt: false });
    // A task's share (/布置) is reported done in the task's own words.
    expect(readIntent('44号已经完成')).toEqual({ kind: 'fix', ref: 44, note: '已经完成', doubt: false });
    expect(readIntent('#44 已经完成自查')).toEqual({ kind: 'fix', ref: 44, note: '已经完成自查', doubt: false });
    expect(readIntent('2号已经完成自查，记录已补齐')).toEqual({ kind: 'fix', ref: 2, note: '已经完成自查，记录已补齐', doubt: false });
    expect(readIntent('#4 自查完，记录已补齐')).toEqual({ kind: 'fix', ref: 4, note: '自查完，记录已补齐', doubt: false });
  });
  it('does not take 3号楼 for an issue', () => {
    expect(readIntent('3号楼的路灯已修好')).toEqual({ kind: 'fix', ref: undefined, note: '3号楼的路灯已修好', doubt: false });
  });
});

describe('continueDraft', () => {
  it('takes "8，" as the issue number', () => {
    expect(continueDraft('ref', '现场核验无误', '8，')).toBe('#8 现场核验无误');
  });
});

describe('route: the department’s record words (典型, 走访) take nothing from the loop’s', () => {
  it.each<[string, string]>([
    ['/典型 #3', 'practice | #3'],
    ['/典型#3', 'practice | #3'],
    ['/典型 清单', 'practice | 清单'],
    ['/典型经验 斑竹村 院坝会', 'practice | 斑竹村 院坝会'],
    ['/practice 斑竹村 院坝会', 'practice | 斑竹村 院坝会'],
    ['/走访 斑竹村 发现:公开栏未更新', 'visit | 斑竹村 发现:公开栏未更新'],
    ['/走访斑竹村', 'visit | 斑竹村'],
    ['/visit 斑竹村', 'visit | 斑竹村'],
    ['/回访 #3 正常', 'revisit | #3 | 正常'],
    ['/回头看 #3 正常', 'revisit | #3 | 正常'],
    ['/revisit #3 正常', 'revisit | #3 | 正常'],
    ['/核验 #3', 'verify | #3'],
  ])('%s → %s', (text, want) => {
    expect(summary(routed(text))).toBe(want);
  });

  it('leaves the near words of the existing commands where they were', () => {
    const before = new CommandRegistry(commands.filter((c) => c.name !== 'practice' && c.name !== 'visit'));
    for (const c of before.all()) {
      for (const word of [c.name, ...c.aliases]) {
        // One letter dropped, one added, a same-sound slip: every near word resolves as it did.
        const variants = [word.slice(0, -1), `${word}s`, word.replace(/访/u, '放')].filter((w) => w.length >= 2 && w !== word);
        for (const v of variants) expect(registry.resolve(v)).toEqual(before.resolve(v));
      }
    }
  });

  it('reads "典型 #3" in a quoted card as a practice, not issue 3', () => {
    expect(refIn('**典型 #3 七塘镇喜观村**\n做法：…')).toBeUndefined();
    expect(refIn('✅ 已记录 **典型 #3** 福禄镇斑竹村：结合 #12 整改')).toBe(12);
    expect(refIn('📌 已登记 **#3** 福禄镇斑竹村：路灯不亮')).toBe(3);
  });
});
