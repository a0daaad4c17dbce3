import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';
import { pollUntil } from '../support/wait';

/**
 * The phrasings people really type on a phone, each with the reply it must get, end to end over
 * WeCom's encrypted protocol on a real Redis. Rows run in order: each acts on the ledger the
 * rows before it left. The clock is a Wednesday morning, 2 December 2026, in Shanghai.
 */
const clock = fixedClock('2026-12-02T10:00:00+08:00');
let t: TestApp;

const MEMBER = 'u_t1_m2'; // 唐建平, 第一工作队 队员 (福禄镇)
const VERIFIER = 'u_t1_m3'; // 冉小兵, the same team
const LEADER = 'u_luo'; // 罗志刚, 第一工作队 队长
const SECRETARY = 'u_sec_banzhu'; // 陈晓燕, 斑竹村 书记

const replies = new Map<number, string>();

/** `chatId` null: a single chat with the bot. */
function say(userId: string, text: string, chatId: string | null = 'CHAT_T1', extra: { quote?: string } = {}): Promise<string> {
  return t.client.say({ userId, ...(chatId !== null ? { chatId } : {}), text: `@${BOT_NAME} ${text}`, ...extra });
}

beforeAll(async () => {
  t = await startTestApp({ clock });
  // #1 … #12 at 斑竹村, assigned to its secretary at once.
  for (let i = 1; i <= 12; i++) {
    const reply = await say(MEMBER, `/上报 斑竹村 问题${i} 期限:12月20日`);
    expect(reply).toContain(`#${i}`);
    replies.set(i, reply);
  }
});
afterAll(async () => {
  await t.stop();
});

type Want = string | RegExp | { all: (string | RegExp)[]; none?: (string | RegExp)[] };
type Row = [who: string, text: string, want: Want, chat?: string | null];

function check(reply: string, want: Want): void {
  const wants = typeof want === 'string' || want instanceof RegExp ? { all: [want] } : want;
  for (const w of wants.all) {
    if (typeof w === 'string') expect(reply).toContain(w);
    else expect(reply).toMatch(w);
  }
  for (const w of wants.none ?? []) {
    if (typeof w === 'string') expect(reply).not.toContain(w);
    else expect(reply).not.toMatch(w);
  }
}

const rows: Row[] = [
  // Issue numbers in every form, punctuation right after them, bare numbers, glued words.
  [SECRETARY, '/整改 #5，村道已修补。', { all: ['#5', '待核验', '整改情况：村道已修补。'], none: ['是哪个问题'] }],
  [SECRETARY, '/整改 8 路面积水已排干', { all: ['#8', '待核验', '路面积水已排干'] }],
  [VERIFIER, '/销号 #8，现场核验无误', { all: ['#8', '已销号'], none: ['是哪个问题'] }],
  [LEADER, '/查看 #8', { all: ['现场核验无误'], none: ['#8，现场核验无误'] }],
  [SECRETARY, '#2 修好了', { all: ['#2', '待核验', '修好了', '（已按 /整改 处理）'] }],
  [VERIFIER, '/销号 2', { all: ['#2', '已销号'] }],
  [SECRETARY, '/整改 #3 已清理', '待核验'],
  [VERIFIER, '/销号#3', { all: ['#3', '已销号'], none: ['你是不是想用'] }],
  [SECRETARY, '/我的。', { all: ['#1'], none: ['你是不是想用', '不需要参数'] }],
  [LEADER, '/查看 #5', '#5 福禄镇斑竹村'],
  [LEADER, '/查看 ＃5', '#5 福禄镇斑竹村'],
  [LEADER, '/查看 5号', '#5 福禄镇斑竹村'],
  [LEADER, '/查看 第5号', '#5 福禄镇斑竹村'],
  [LEADER, '/查看 5号问题', '#5 福禄镇斑竹村'],
  // Typos of the same sound, one character off.
  [VERIFIER, '/消号 #5', { all: ['#5', '已销号', '（已按 /销号 处理）'] }],
  [MEMBER, '/上抱 斑竹村 宣传栏破损', { all: ['已登记', '宣传栏破损', '（已按 /上报 处理）'] }],
  [SECRETARY, '/整该 #4 已修好', { all: ['#4', '待核验', '（已按 /整改 处理）'] }],
  [MEMBER, '/mie', { all: ['你是想用哪个命令', '`/我的`', '`/我是谁`'] }],
  // No slash.
  [SECRETARY, '12号已经整改好了，过期药品已清理', { all: ['#12', '待核验', '已经整改好了，过期药品已清理', '（已按 /整改 处理）'], none: ['12号已经'] }],
  [SECRETARY, '帮助', { all: ['/整改'], none: ['没有看懂'] }],
  [MEMBER, '怎么用', { all: ['/上报'], none: ['没有看懂'] }],
  [SECRETARY, '我的', { all: ['#1'], none: ['没有看懂'] }],
  [SECRETARY, '我有哪些任务', { all: ['#1'], none: ['没有看懂'] }],
  [MEMBER, '#7 修好了', '❓ 要做哪一步？请直接发送其中一条：\n`/整改 #7 修好了`（反馈整改）\n`/销号 #7`（核验销号）'],
  [SECRETARY, '路灯修好了', '❓ 是哪个问题的整改？请带上编号发送：`/整改 #编号 路灯修好了`'],
  [MEMBER, '斑竹村 路灯坏了', '❓ 要上报这个问题吗？请发送：`/上报 斑竹村 路灯坏了`'],
  // Deadlines never guessed silently.
  [MEMBER, '/上报 斑竹村 标语破损 期限:11月30日', '⚠️ 期限“11月30日”（2026年11月30日）已经过去了，请写一个今天以后的日期'],
  [MEMBER, '/上报 斑竹村 标语破损 期限:5月1日', '2027年5月1日'],
  [MEMBER, '/上报 斑竹村 路面坑洼 deadline:3 days', '12月5日'],
  [MEMBER, '/上报 斑竹村 路灯不亮 下周三前整改', { all: ['路灯不亮', '12月9日', '（期限按“下周三前”）'], none: ['路灯不亮 下周三前整改'] }],
  [MEMBER, '/上报 斑竹村 垃圾清运不及时', '未写期限，按默认7天'],
  [MEMBER, '/上报 斑竹村 围墙破损 期限:国庆后', { all: ['2027年10月8日', '国庆后第一个工作日'] }],
  [SECRETARY, '/延期 #6 国庆后', '❓ 请说明 #6 延期到 2027年10月8日（周五） 的理由'],
  [SECRETARY, '/延期 #6 11月30日 配件未到', '⚠️ 期限“11月30日”（2026年11月30日）已经过去了'],
  // A step that would be refused is refused before duban asks for its reason or note.
  [SECRETARY, '/延期 #2 国庆后', { all: ['#2', '不能延期'], none: ['请说明'] }],
  [SECRETARY, '/整改 #2', { all: ['#2'], none: ['请简要说明'] }],
  // English names of commands and list filters.
  [LEADER, '/view #9', '#9 福禄镇斑竹村'],
  [LEADER, '/list assigned', '整改中'],
  [LEADER, '/list overdue', '逾期'],
  // Refusals that say the real reason, with the command as typed.
  [MEMBER, '/上报 喜观村 垃圾堆放', '无权限：喜观村（七塘镇）不在第一工作队的片区（福禄镇），请由负责该片区的工作队办理。'],
  [LEADER, '/status 全区', '无权限：全区（示例区）不在第一工作队的片区（福禄镇）；本片区以外的情况请组织部查看。'],
  [SECRETARY, '/status', '无权限：/status 仅限组织部、队长或队员使用。'],
  // The ledger only where it belongs.
  [MEMBER, '/清单', '无权限：这个群不是组织名册里登记的工作群，不在这里显示问题情况。请到本片区的工作群，或单聊督办助手查看。（发送 /我是谁 可看到本群的 chatid，供组织部登记）', 'CHAT_STRANGERS'],
  [MEMBER, '/查看 #9', '无权限：这个群不是组织名册里登记的工作群', 'CHAT_STRANGERS'],
  [LEADER, '/查看 #9', '无权限：#9不在本群的范围内。请到本片区的工作群，或单聊督办助手查看。', 'CHAT_T2'],
  [LEADER, '/查看 #9', '#9 福禄镇斑竹村', null],
  // A deadline glued to the words before it; the comma after the unit is not the description.
  [MEMBER, '/上报 斑竹村，路灯坏了，期限:3天', { all: ['：路灯坏了\n', '12月5日'], none: ['未写期限'] }],
  // Reported from another team's group: the issue still lives in the unit's own group.
  [MEMBER, '/上报 斑竹村 塘堰漏水', { all: ['已登记', '提醒和催办发到第一工作队的群（斑竹村所在片区）'] }, 'CHAT_T2'],
  // A fix without its number names the person's open issues.
  [SECRETARY, '/整改 路灯已更换', { all: ['❓ 是哪个问题？你名下整改中的：#'], none: ['例如：#12'] }],
  [SECRETARY, '/延期 #9 12月25日，配件未到', { all: ['申请延期', '配件未到'] }],
  [SECRETARY, '5号', '#5 福禄镇斑竹村'],
  // 我的 in another team's group shows nothing of this area, and says where the rest is.
  [SECRETARY, '/我的', { all: ['不在本群的范围内'], none: ['#1 ', '#9 '] }, 'CHAT_T2'],
];

describe('real phrasings, in order, each with its reply', () => {
  // Every row has all five values: jest would take a missing last one for a `done` callback.
  it.each(rows.map(([who, text, want, chat], i) => [i + 1, who, text, want, chat === undefined ? 'CHAT_T1' : chat] as const))(
    '%i. %s: %s',
    async (_n, who, text, want, chat) => {
      check(await say(who, text, chat), want);
    },
  );

  it('a secretary quoting the assignment and writing what was done reports the fix', async () => {
    const reply = await say(SECRETARY, '已整改，闸阀已更换', 'CHAT_T1', { quote: replies.get(11)! });
    check(reply, { all: ['#11', '待核验', '闸阀已更换'] });
  });

  it('shows the newest 20 steps of a long history, and says how many are left out', async () => {
    for (let i = 0; i < 22; i++) expect(await say(SECRETARY, `/延期 #10 12月25日 配件未到${i}`)).toContain('申请延期');
    const card = await say(LEADER, '/查看 #10');
    expect(card).toContain('配件未到21');
    expect(card).not.toContain('配件未到0）');
    expect(card).toMatch(/（更早的 3 条记录从略）$/);
  });

  it('adds photos sent after the fix to it, still waiting for another person', async () => {
    const { id } = { id: Number(/#(\d+)/u.exec(await say(MEMBER, '/上报 斑竹村 护栏松动'))![1]) };
    expect(await say(SECRETARY, `/整改 #${id} 护栏已加固`)).toContain('待核验');
    const added = await t.client.say({ userId: SECRETARY, chatId: 'CHAT_T1', text: `@${BOT_NAME} /整改 #${id}`, images: ['https://img.example/later.jpg'] });
    expect(added).toBe(`📎 **#${id}** 福禄镇斑竹村 已补充整改材料（照片 1 张），状态：待核验\n照片正在保存，稍后发送 \`/查看 #${id}\` 可打开原图。`);
    const card = await say(LEADER, `/查看 #${id}`);
    expect(card).toContain('照片 1 张');
    expect(card).toContain('补充整改材料');
    // Someone else still cannot add to it.
    expect(await say(VERIFIER, `/整改 #${id} 再补充`)).toMatch(/整改已反馈，正等工作队核验/);
  });

  it('tells the issue’s group when the fix was reported in a single chat', async () => {
    const id = Number(/#(\d+)/u.exec(await say(MEMBER, '/上报 斑竹村 水渠堵塞'))![1]);
    expect(await say(SECRETARY, `#${id} 已疏通`, null)).toContain('待核验');
    const stream = createKeys(t.prefix).pushes;
    const notice = async () =>
      (await t.redis.xrange(stream, '-', '+')).map(([, f]) => Object.fromEntries(f.reduce<[string, string][]>((acc, v, i, a) => (i % 2 ? acc : [...acc, [v, a[i + 1]!]]), []))).find((p) => p.kind === 'fix-reported');
    await pollUntil(async () => (await notice()) !== undefined, 'the fix notice in the local sink');
    expect(await notice()).toMatchObject({ chat: 'CHAT_T1', content: expect.stringContaining(`✅ 陈晓燕 反馈了 #${id} 福禄镇斑竹村：水渠堵塞 的整改`) });
  });

  it('does not take an aside for the answer a half-filled command waits for', async () => {
    const id = Number(/#(\d+)/u.exec(await say(MEMBER, '/上报 斑竹村 井盖缺失'))![1]);
    expect(await say(SECRETARY, `/整改 #${id}`)).toContain('请简要说明');
    for (const aside of ['好的', '收到', '稍等，我确认一下', '什么意思？', '@罗志刚 这个怎么弄']) {
      expect(await say(SECRETARY, aside)).toMatch(/^❓ 这条不像是对上一条 `\/整改 #\d+` 的回答，没有提交。/);
    }
    // Not done yet: not submitted either, with the exact command offered in case it is the fix.
    expect(await say(SECRETARY, '还没修好，配件没到')).toContain(`没有提交。整改好以后直接回复整改情况即可（可附照片）；这条就是整改情况的话，请发送：\n\`/整改 #${id} 还没修好，配件没到\``);
    // Looking something up meanwhile leaves the question waiting.
    expect(await say(SECRETARY, `/查看 #${id}`)).toContain(`#${id} 福禄镇斑竹村`);
    expect(await say(SECRETARY, '帮助')).toContain('督办助手');
    expect(await say(SECRETARY, '井盖已补装')).toContain('待核验');
    // A reason may well be negative: it is the answer.
    expect(await say(VERIFIER, `/驳回 #${id}`)).toContain('请说明驳回');
    expect(await say(VERIFIER, '照片看不清')).toContain('驳回');
  });

  it('moves a deadline only later with /延期', async () => {
    const id = Number(/#(\d+)/u.exec(await say(MEMBER, '/上报 斑竹村 路沿石破损 期限:12月20日'))![1]);
    expect(await say(VERIFIER, `/延期 #${id} 3天 人手不够`)).toContain('新期限不晚于现在的期限，延期只能往后延');
    expect(await say(VERIFIER, `/延期 #${id} 12月25日 人手不够`)).toContain('期限调整为');
  });

  it('keeps duties apart for a fix reported before fixedBy was recorded', async () => {
    expect(await say(MEMBER, '/整改 #7 已清理完毕')).toContain('待核验');
    // As a ledger written by an older version holds it: no fixedBy on the hash.
    await t.redis.hdel(createKeys(t.prefix).issue(7), 'fixedBy');
    expect(await say(MEMBER, '/销号 #7')).toMatch(/^无权限：#7 的整改由你反馈/);
    expect(await say(VERIFIER, '/销号 #7')).toContain('已销号');
  });

  it('refuses on roles before claiming the message: nothing is written', async () => {
    const before = await t.redis.keys(`${t.prefix}{ledger}:msg:*`);
    const reply = await say(SECRETARY, '/销号 #1');
    expect(reply).toBe('无权限：/销号 仅限组织部、队长或队员使用。\n你可以用：/我的（等你办理的）、/整改 #编号 整改情况、/延期 #编号 新期限 理由。');
    expect(await t.redis.keys(`${t.prefix}{ledger}:msg:*`)).toEqual(before);
  });
});
