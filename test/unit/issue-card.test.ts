import type { Issue } from '../../src/domain/issue';
import { templateCardSchema, type TemplateCard } from '../../src/transport/template-card';
import {
  afterCard,
  assignmentCard,
  CARD_KEYS,
  CARD_LIMITS,
  cardKeySchema,
  cardIsCurrent,
  cardTaskId,
  cardWords,
  cardTaskSchema,
  cardText,
  commandFor,
  revisitCard,
  verifyCard,
} from '../../src/rendering/issue-card';
import { demoOrg } from '../support/app';

const org = demoOrg();
const now = Date.parse('2026-05-04T10:00:00+08:00');
const len = (s: string | undefined) => [...(s ?? '')].length;

function issue(over: Partial<Issue> = {}): Issue {
  return {
    id: 12,
    version: 3,
    state: 'assigned',
    unitId: 'banzhu',
    teamIds: ['t1'],
    description: '闸阀老化漏水',
    reporter: 'u_luo',
    assignee: 'u_sec_banzhu',
    deadline: Date.parse('2026-05-10T23:59:00+08:00'),
    homeChat: 'CHAT_T1',
    createdAt: now,
    evidence: [],
    rejectCount: 0,
    rejectReasons: [],
    relapseCount: 0,
    deadlineChanges: [],
    ...over,
  };
}

/** Every limit of docs/wecom-protocol.md §1.9 the cards use, checked on a card. */
function expectWithinLimits(card: TemplateCard): void {
  expect(templateCardSchema.parse(card)).toEqual(card);
  expect(len(card.main_title?.title)).toBeLessThanOrEqual(CARD_LIMITS.title);
  expect(len(card.main_title?.desc)).toBeLessThanOrEqual(CARD_LIMITS.titleDesc);
  expect(len(card.source?.desc)).toBeLessThanOrEqual(CARD_LIMITS.source);
  expect(len(card.sub_title_text)).toBeLessThanOrEqual(CARD_LIMITS.subTitle);
  expect(card.button_list!.length).toBeLessThanOrEqual(CARD_LIMITS.buttons);
  for (const b of card.button_list!) expect(len(b.text)).toBeLessThanOrEqual(CARD_LIMITS.buttonText);
  expect(new Set(card.button_list!.map((b) => b.key)).size).toBe(card.button_list!.length);
  expect(card.horizontal_content_list!.length).toBeLessThanOrEqual(CARD_LIMITS.horizontal);
  for (const f of card.horizontal_content_list!) {
    expect(len(f.keyname)).toBeLessThanOrEqual(CARD_LIMITS.keyname);
    expect(len(f.value)).toBeLessThanOrEqual(CARD_LIMITS.value);
  }
  expect(Buffer.byteLength(card.task_id!)).toBeLessThanOrEqual(CARD_LIMITS.taskId);
  expect(card.task_id).toMatch(/^[0-9A-Za-z_\-@]+$/u);
  for (const text of [card.main_title?.title, card.main_title?.desc, card.sub_title_text, ...card.horizontal_content_list!.map((f) => f.value)].filter((t) => t !== undefined)) expect(text).not.toMatch(/[\n\r\t\u2028\u2029]/u);
}

describe('the issue cards', () => {
  const long = `${'很长的问题描述'.repeat(20)}\n第二行\r\n第三行`;
  const cases: [string, TemplateCard][] = [
    ['assignment', assignmentCard(org, issue(), now, 'msg-1')],
    ['assignment, long text', assignmentCard(org, issue({ description: long }), now, 'msg-1')],
    ['verify', verifyCard(org, issue({ state: 'submitted', fixNote: long, fixedBy: 'u_sec_banzhu', evidence: [{ kind: 'image', msgid: 'm', index: 0, at: now }] }), now, 'msg-2')],
    ['revisit', revisitCard(org, issue({ state: 'closed', closedAt: now, description: long }), now, 'push-1')],
    ['after', afterCard(org, issue({ description: long }), { state: 'closed', line: `已由 ${'很长的名字'.repeat(10)} 销号`, taskId: 'i12-submitted-0123abcd' })],
    ['after a 销号', afterCard(org, issue({ description: long }), { state: 'closed', line: '已由 唐建平 销号', taskId: 'i12-submitted-0123abcd', closed: { revisitDue: now, now, grade: long } })],
  ];
  it.each(cases)('keeps the %s card within WeCom’s limits, every text field one line', (_name, card) => {
    expectWithinLimits(card);
  });

  it('shows the assignment notice: title, the description, state, 责任人, 期限, and 已整改 / 查看', () => {
    const card = assignmentCard(org, issue(), now, 'msg-1');
    expect(card).toMatchObject({
      card_type: 'button_interaction',
      source: { desc: '交办通知' },
      main_title: { title: '#12 福禄镇斑竹村', desc: '闸阀老化漏水' },
      horizontal_content_list: [
        { keyname: '状态', value: '整改中' },
        { keyname: '责任人', value: '陈晓燕' },
        { keyname: '期限', value: '5月10日周日' },
      ],
      button_list: [
        { text: '已整改', key: 'fix' },
        { text: '查看', key: 'show' },
      ],
    });
  });

  it('shows a 销号 card’s 回头看 date and 完成效果, as the typed 销号 reply does', () => {
    const card = afterCard(org, issue(), { state: 'closed', line: '已由 唐建平 销号', taskId: 'i12-submitted-0123abcd', closed: { revisitDue: Date.parse('2026-06-03T09:00:00+08:00'), now } });
    expect(card.horizontal_content_list).toEqual([
      { keyname: '状态', value: '已销号' },
      { keyname: '回头看', value: '6月3日周三 09:00' },
      { keyname: '完成效果', value: '未评定' },
      { keyname: '问题', value: '闸阀老化漏水' },
    ]);
    const graded = afterCard(org, issue(), { state: 'closed', line: '已由 唐建平 销号', taskId: 'i12-submitted-0123abcd', closed: { revisitDue: now, now, grade: '好' } });
    expect(graded.horizontal_content_list).toContainEqual({ keyname: '完成效果', value: '好' });
  });

  it('clips user text on a code point with "…", collapsing every kind of line break', () => {
    expect(cardText('a\nb\r\nc\u2028d\u0085e\tf', 30)).toBe('a b c d e f');
    expect(cardText('😀'.repeat(40), 10)).toBe(`${'😀'.repeat(9)}…`);
    expect(cardText('  路灯\u202e不亮  ', 10)).toBe('路灯不亮');
  });
});

describe('task_id', () => {
  it('names the issue, the state, when the issue entered it and a hash of the seed, and reads back', () => {
    const submittedAt = now + 3_600_000;
    const id = cardTaskId(issue({ state: 'submitted', submittedAt }), 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=');
    expect(id).toBe(`i12-submitted-${submittedAt.toString(36)}-${id.slice(-8)}`);
    expect(id).toMatch(/^i12-submitted-[0-9a-z]+-[0-9a-f]{8}$/u);
    expect(cardTaskSchema.parse(id)).toEqual({ issueId: 12, state: 'submitted', stamp: submittedAt.toString(36) });
    expect(cardTaskId(issue({ state: 'submitted', submittedAt }), 'another msgid')).not.toBe(id);
  });

  it('tells a card of an earlier round in the same state from a current one', () => {
    const first = issue({ state: 'submitted', submittedAt: now + 1_000 });
    const task = cardTaskSchema.parse(cardTaskId(first, 'msg-1'));
    expect(cardIsCurrent(task, first)).toBe(true);
    // 驳回, then a new /整改: submitted again, later.
    expect(cardIsCurrent(task, { ...first, submittedAt: now + 9_000 })).toBe(false);
    expect(cardIsCurrent(task, { ...first, state: 'assigned' })).toBe(false);
  });

  it.each([
    '',
    'fBmjTL7ErRCQSNA6GZKMlcFiWX1shOvg',
    'i12-submitted-3fa9c1d2',
    'i12-submitted-lq3x9k2a-3fa9c1d',
    'i12-nonsense-lq3x9k2a-3fa9c1d2',
    'i0-assigned-lq3x9k2a-3fa9c1d2',
    'i012-assigned-lq3x9k2a-3fa9c1d2',
    'i12-assigned-lq3x9k2a-3FA9C1D2',
    'i12-assigned-LQ3X9K2A-3fa9c1d2',
    'i12-assigned--3fa9c1d2',
    'i12-assigned-lq3x9k2aaaaa-3fa9c1d2',
    'i12-assigned-lq3x9k2a-3fa9c1d2 ',
    `i${'9'.repeat(13)}-assigned-lq3x9k2a-3fa9c1d2`,
    'i12-constructor-lq3x9k2a-3fa9c1d2',
    'i12-__proto__-lq3x9k2a-3fa9c1d2',
  ])('refuses %j', (junk) => {
    expect(cardTaskSchema.safeParse(junk).success).toBe(false);
  });

  it('reads only the keys of its own buttons, each one a typed command', () => {
    expect(CARD_KEYS.map((k) => commandFor(k, 7))).toEqual(['/整改 #7', '/销号 #7', '/驳回 #7', '/查看 #7', '/回访 #7 正常', '/回访 #7 反弹']);
    for (const junk of ['', 'delete', 'show ', 'toString', '__proto__']) expect(cardKeySchema.safeParse(junk).success).toBe(false);
  });
});

describe('a card in words', () => {
  it('says what the card says, for a channel that cannot carry it', () => {
    const card = assignmentCard(org, issue(), now, 'msg-1');
    expect(cardWords(card)).toBe('交办通知：#12 福禄镇斑竹村 闸阀老化漏水\n状态：整改中；责任人：陈晓燕；期限：5月10日周日\n责任人整改后点“已整改”，或回复 /整改 #12 整改情况（可附照片）');
  });
});
