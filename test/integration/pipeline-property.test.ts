import os from 'node:os';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import * as OpenCC from 'opencc-js/cn2t';
import { commands } from '../../handlers';
import { createJobsClient } from '../../jobs';
import { createQueues, type Queues } from '../../jobs/queues';
import { LinkSigner } from '../../src/server/signed-links';
import { ExportFiles } from '../../src/store/export-files';
import { fixedClock } from '../../src/clock';
import { DAY_MS } from '../../src/domain/time';
import { stripBotMentions } from '../../src/parsing/mentions';
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline';
import { CommandRegistry } from '../../src/pipeline/registry';
import { DraftStore } from '../../src/store/draft-store';
import { createKeys, type Keys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { MessageLog } from '../../src/store/message-log';
import { createRecordStores } from '../../src/store/record-stores';
import type { IncomingMessage } from '../../src/transport/types';
import { BOT_NAME, demoOrg } from '../support/app';
import { captureLogs, type LogLine } from '../support/log-capture';
import { expectLedgerWhole } from '../support/ledger-integrity';
import { testPrefix, testRedis, testRedisUrl } from '../support/redis';

/**
 * Whatever people type, the pipeline answers with a known kind of reply and the ledger stays
 * whole. The real pipeline, the real handlers, the real stores and the real job queues (BullMQ
 * on the test Redis; no workers run, so pushes and timers are only queued); only the clock is
 * fixed (and moved forward by the generated messages).
 */

const org = demoOrg();
const registry = new CommandRegistry(commands);
const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });
const clock = fixedClock('2026-04-27T09:00:00+08:00');

/** How every reply may start (docs/design.md §4.7 and the handlers): errors, questions, refusals, mutations, lists and cards. */
const OPENINGS = ['⚠️', '❓', '无权限', '📌', '✅', '☑️', '↩️', '🗓', '🔁', '🗑', '📣', '**', '已取消', '没有需要', '目前没有', '您好', '收到', '（已按', '另有', '📎', '📋', '现在没有', '组织名册里没有', '🔐'];
/** The boundary's reply to an error nobody expected: a bug whenever it shows up here. */
const INTERNAL_ERROR = '⚠️ 处理这条消息时出错了';

let redis: Redis;
let prefix: string;
let keys: Keys;
let pipeline: Pipeline;
let queues: Queues;
let logs: LogLine[];
let msgSeq = 0;

beforeAll(async () => {
  redis = testRedis();
  prefix = testPrefix();
  keys = createKeys(prefix);
  const captured = captureLogs('info');
  logs = captured.lines;
  const ledger = new LedgerStore(redis, keys);
  queues = createQueues(testRedisUrl(), keys.bullPrefix, captured.logger);
  const jobs = createJobsClient({
    queues,
    redisUrl: testRedisUrl(),
    redis,
    keys,
    ledger,
    org: () => org,
    env: { WECOM_API_BASE: 'http://127.0.0.1:9', WECOM_TRANSPORT: 'webhook' },
    clock,
    logger: captured.logger,
    // No workers run here: no file is ever made.
    files: { exports: new ExportFiles(redis, keys, os.tmpdir()), links: new LinkSigner(Buffer.alloc(32, 1), () => 'http://127.0.0.1:9') },
  });
  pipeline = createPipeline({
    org: () => org,
    commands: registry,
    messages: new MessageLog(redis, keys),
    ledger,
    drafts: new DraftStore(redis, keys),
    records: createRecordStores(redis, keys),
    jobs,
    clock,
    logger: captured.logger,
  });
  await seedLedger();
});
afterAll(async () => {
  await queues.close();
  await redis.quit();
});

/** A message as a transport hands it over; chatId "SINGLE" means a single chat with the bot. */
function message(userId: string, chatId: string, text: string, extra: { quote?: string; images?: number } = {}): IncomingMessage {
  const single = chatId === 'SINGLE';
  const m: IncomingMessage = {
    transport: 'webhook',
    msgid: `prop-${++msgSeq}`,
    chatType: single ? 'single' : 'group',
    chatId: single ? userId : chatId,
    userId,
    // What the transports hand over: the bot's @mention removed, whitespace folded and trimmed.
    text: stripBotMentions(text, [BOT_NAME]),
    media: Array.from({ length: extra.images ?? 0 }, (_, i) => ({ kind: 'image' as const, url: `https://img.example/${msgSeq}-${i}.jpg` })),
    requestId: `req-${msgSeq}`,
  };
  if (extra.quote !== undefined) m.quote = { text: extra.quote, media: [] };
  return m;
}

async function say(userId: string, chatId: string, text: string): Promise<string> {
  return (await pipeline.dispatch(message(userId, chatId, text))).markdown;
}

/** A few issues in every state, so generated references (#1…#12) meet real records. */
async function seedLedger(): Promise<void> {
  const m = 'u_t1_m2';
  expect(await say(m, 'CHAT_T1', '/上报 斑竹村 闸阀老化漏水')).toMatch(/^📌 已登记 \*\*#1\*\*/);
  expect(await say(m, 'CHAT_T1', '/上报 石堰村 路灯不亮')).toMatch(/^📌 已登记 \*\*#2\*\*/);
  expect(await say('u_sec_shiyan', 'CHAT_T1', '/整改 #2 已更换灯泡')).toMatch(/^✅ \*\*#2\*\*/);
  expect(await say(m, 'CHAT_T1', '/上报 龙井村 垃圾未清运')).toMatch(/^📌 已登记 \*\*#3\*\*/);
  expect(await say('u_sec_longjing', 'CHAT_T1', '/整改 #3 已清运')).toMatch(/^✅/);
  expect(await say('u_luo', 'CHAT_T1', '/销号 #3')).toMatch(/^☑️ \*\*#3\*\*/);
  expect(await say('u_admin', 'CHAT_ADMIN', '/上报 大兴精密机械公司 安全生产台账缺失')).toContain('状态：待交办');
  expect(await say('u_t2_m1', 'CHAT_T2', '/上报 喜观村 村务公开栏未更新')).toMatch(/^📌 已登记 \*\*#5\*\*/);
  expect(await say('u_t2_m1', 'CHAT_T2', '/撤销 #5 重复上报')).toMatch(/^🗑 \*\*#5\*\*/);
}

/* ------------------------------------------------------------------ generators */

const people = org.people.map((p) => p.userid);
const chats = [...org.chats.map((c) => c.chatid), 'SINGLE', 'CHAT_NOT_IN_FILE'];
const aliases = registry.all().flatMap((c) => [c.name, ...c.aliases]);
const personNames = [...org.people.flatMap((p) => [p.name, ...p.aliases]), 'u_luo', 'U_SEC_BANZHU', '张三', '不存在的人', BOT_NAME];
const unitWords = [
  ...org.units.flatMap((u) => [u.name, `${u.town}${u.name}`]),
  ...org.units.map((u) => u.town),
  '斑竹',
  '喜观',
  '区',
  '福禄镇斑',
  '斑竹村闸阀损坏',
  '喜观乡村旅游公司消防通道堵塞',
  '火星村',
  '全区',
  '第一工作队',
  't1',
  't9',
];
const dates = [
  '2026-05-01', '2022-05-01', '2026年5月1日', '5月1日', '5.1', '5/1', '3天', '3天内', '7日内', '2周', '明天', '后天', '本周五', '下周一',
  '下周五前', '月底', '5个工作日内', '30分钟', '2小时', '0天', '-1天', '99999天', '2月30日', '13月1日', '昨天', '12号', '2099年1月1日', '0分钟',
];
const words = [
  '闸阀老化漏水', '路灯不亮', '村务公开栏未更新', '垃圾未清运', '已整改', '照片看不清', '正常', '反弹', '同意', '批准', '逾期', '待核验', '整改中',
  '待交办', '已销号', '已撤销', '全部', '我的', '本月', '上月', '本季度', '上季度', '今年', '去年', '2022', '2026Q2', '2026年第二季度', '第2页',
  '3页', '第9999页', '重复上报，同', '配件需从厂家订购', '群众反映强烈', 'ok', 'HELP', '我是谁', '帮助',
];
const emoji = ['😀', '👍🏻', '👨‍👩‍👧', '🇨🇳', '🔴', '📌', '⚠️', '🀄', '𠀋'];
/** Control and invisible characters WeCom clients can put in text, and lone UTF-16 surrogates. */
const controls = ['\ud800', '\udfff', '\u0000', '\u0007', '\u001b[31m', '\u200b', '\u200e', '\ufeff', '\r\n', '\u2028', '\u00a0', '\t', '\u3000', '\u0085'];

const fullWidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).replace(/ /g, '\u3000');
/** The same text as a user of a Traditional-script or full-width input method would type it. */
const variant = (s: string, how: 'as-is' | 'traditional' | 'full-width' | 'upper') =>
  how === 'traditional' ? toTraditional(s) : how === 'full-width' ? fullWidth(s) : how === 'upper' ? s.toUpperCase() : s;
const variantArb = fc.constantFrom<'as-is' | 'traditional' | 'full-width' | 'upper'>('as-is', 'as-is', 'traditional', 'full-width', 'upper');

const refArb = fc
  .tuple(fc.oneof(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 2_000_000_000 })), fc.constantFrom('#', '＃', '', '号'))
  .map(([n, mark]) => (mark === '号' ? `${n}号` : `${mark}${n}`));
const mentionArb = fc.tuple(fc.constantFrom('@', '＠'), fc.constantFrom(...personNames)).map(([at, n]) => `${at}${n}`);
const fieldArb = fc
  .tuple(
    fc.constantFrom('期限', '截止', '截止日期', '责任人', '单位', '类别', '类型', '来源', '備註', '备注', '地点'),
    fc.constantFrom(':', '：', ': ', '： '),
    fc.oneof(fc.constantFrom(...dates), fc.constantFrom(...personNames.map((n) => `@${n}`)), fc.constantFrom(...unitWords), fc.constantFrom(...words), fc.constant('')),
  )
  .map(([k, colon, v]) => `${k}${colon}${v}`);
const plainArb = fc.oneof(
  fc.constantFrom(...words),
  fc.constantFrom(...unitWords),
  fc.constantFrom(...dates),
  fc.constantFrom(...emoji),
  fc.constantFrom(...controls),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const quotedArb = fc
  .tuple(fc.constantFrom(['“', '”'], ['"', '"'], ['「', '」'], ['“', ''], ['', '”']), fc.array(plainArb, { minLength: 1, maxLength: 3 }))
  .map(([[open, close], inner]) => `${open}${inner.join(' ')}${close}`);
const fragmentArb = fc.oneof(
  { weight: 3, arbitrary: refArb },
  { weight: 3, arbitrary: fc.constantFrom(...unitWords) },
  { weight: 2, arbitrary: fc.constantFrom(...dates) },
  { weight: 3, arbitrary: fieldArb },
  { weight: 2, arbitrary: mentionArb },
  { weight: 4, arbitrary: plainArb },
  { weight: 1, arbitrary: quotedArb },
);
const sepArb = fc.constantFrom(' ', ' ', '  ', '\u3000', '\n', '\t', '');

/** A plausible command: a slash (or not), an alias of the registry, and arguments of the grammar. */
const commandArb = fc
  .tuple(
    fc.constantFrom('/', '/', '／', '/ ', '', `@${BOT_NAME} /`, '@陈晓燕 /', '＠不存在 /'),
    fc.constantFrom(...aliases),
    fc.array(fragmentArb, { maxLength: 8 }),
    sepArb,
    variantArb,
  )
  .map(([slash, alias, args, sep, how]) => variant(`${slash}${alias}${args.length ? ' ' : ''}${args.join(sep || ' ')}`, how));

/** Very long texts, as a command or not (the grammar refuses over 2 000 characters). */
const longArb = fc.oneof(
  fc.tuple(fc.constantFrom('/上报 斑竹村 ', '/整改 #1 ', '/撤销 #2 ', '', '/帮助 '), fc.integer({ min: 400, max: 5000 }), fc.constantFrom('漏', 'a', '😀', ' ', '#1 '))
    .map(([head, n, unit]) => `${head}${unit.repeat(Math.ceil(n / unit.length))}`.slice(0, 5000)),
  fc.string({ unit: 'grapheme', minLength: 500, maxLength: 2500 }),
);

const textArb = fc.oneof(
  { weight: 6, arbitrary: commandArb },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.array(fragmentArb, { maxLength: 6 }).map((f) => f.join(' ')) },
  { weight: 1, arbitrary: longArb },
);

const senderArb = fc.record({ userId: fc.constantFrom(...people), chatId: fc.constantFrom(...chats) });
type Sender = { userId: string; chatId: string };

/** One message of a conversation; "{id}" stands for the issue the conversation last reported. */
interface Msg {
  text: string;
  sender: Sender | null;
  quote: string | null;
  images: number;
  advanceMs: number;
}

const quoteArb = fc.oneof(
  fc.integer({ min: 1, max: 12 }).map((n) => `📌 已登记 **#${n}** 福禄镇斑竹村：闸阀老化漏水\n状态：整改中`),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/** Anything: one to three random texts, the later ones usually from the same person in the same chat, so dialogues continue. */
const randomConversationArb = fc.record({
  sender: senderArb,
  messages: fc.array(
    fc.record<Msg>({
      text: textArb,
      sender: fc.option(senderArb, { freq: 4 }),
      quote: fc.option(quoteArb, { freq: 5 }),
      images: fc.nat({ max: 2 }),
      advanceMs: fc.nat({ max: 3 * DAY_MS }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

/** A note as people write one: words, emoji, control characters, quotes, stray references. */
const noteArb = fc.array(fc.oneof(plainArb, quotedArb, refArb), { maxLength: 3 }).map((f) => f.join(' '));
const STEPS = ['fix', 'fix-by-quote', 'verify', 'reject', 'extend', 'extend-request', 'approve', 'revisit-normal', 'relapse', 'remind', 'cancel', 'show', 'assign', 'list', 'status'] as const;
type Step = (typeof STEPS)[number];
const HAPPY: Step[] = ['fix', 'verify', 'relapse', 'fix', 'verify', 'revisit-normal'];

/**
 * The loop as a team works it: a member reports at one of the team's units, then the secretary,
 * members and the reporter take steps on that issue (in any order, so many are refused by state),
 * with random notes, dates and script variants of the command words.
 */
const loopConversationArb = fc
  .constantFrom(...org.teams)
  .chain((team) => {
    const units = team.coveredUnitIds.map((id) => org.unit(id)!).filter((u) => u.secretary);
    const chat = org.chats.find((c) => c.scope.kind === 'team' && c.scope.teamId === team.id)?.chatid ?? 'CHAT_ADMIN';
    return fc.record({
      unit: fc.constantFrom(...units),
      reporter: fc.constantFrom(...team.members),
      verifier: fc.constantFrom(...team.members),
      chat: fc.constantFrom(chat, chat, 'CHAT_ADMIN'),
      how: fc.constantFrom<'name' | 'town' | 'glued'>('name', 'town', 'glued'),
      description: fc.array(fc.oneof(fc.constantFrom(...words.slice(0, 8), '群众反映强烈'), plainArb), { minLength: 1, maxLength: 3 }),
      extra: fc.array(fc.oneof(fieldArb, mentionArb), { maxLength: 2 }),
      steps: fc.oneof(fc.constant(HAPPY), fc.array(fc.constantFrom(...STEPS), { minLength: 1, maxLength: 7 })),
      notes: fc.array(noteArb, { minLength: 7, maxLength: 7 }),
      dates: fc.array(fc.constantFrom(...dates), { minLength: 7, maxLength: 7 }),
      words: fc.array(variantArb, { minLength: 7, maxLength: 7 }),
      advance: fc.array(fc.nat({ max: 2 * DAY_MS }), { minLength: 8, maxLength: 8 }),
    });
  })
  .map(({ unit, reporter, verifier, chat, how, description, extra, steps, notes, dates: when, words: scripts, advance }) => {
    const secretary = unit.secretary!;
    const name = how === 'town' ? `${unit.town}${unit.name}` : unit.name;
    const report = `/上报 ${name}${how === 'glued' ? '' : ' '}${description.join(' ')} ${extra.join(' ')}`;
    const msg = (text: string, userId: string, i: number, quote: string | null = null): Msg => ({ text, sender: { userId, chatId: chat }, quote, images: i % 3 === 0 ? 1 : 0, advanceMs: advance[i]! });
    const messages: Msg[] = [msg(report, reporter, 7)];
    steps.forEach((step, i) => {
      const note = notes[i]!;
      const cmd = (word: string) => variant(word, scripts[i]!);
      const texts: Record<Step, [string, string, string | null]> = {
        fix: [`${cmd('/整改')} #{id} ${note}`, secretary, null],
        'fix-by-quote': [note || '已整改', secretary, '📌 已登记 **#{id}** 请整改'],
        verify: [`${cmd('/销号')} #{id} ${note}`, verifier, null],
        reject: [`${cmd('/驳回')} #{id} ${note}`, verifier, null],
        extend: [`${cmd('/延期')} #{id} ${when[i]} ${note}`, verifier, null],
        'extend-request': [`${cmd('/延期')} #{id} ${when[i]} ${note}`, secretary, null],
        approve: [`${cmd('/延期')} #{id} 同意`, verifier, null],
        'revisit-normal': [`${cmd('/回访')} #{id} 正常 ${note}`, verifier, null],
        relapse: [`${cmd('/回访')} #{id} 反弹 ${note} 期限:${when[i]}`, verifier, null],
        remind: [`${cmd('/催办')} #{id}`, verifier, null],
        cancel: [`${cmd('/撤销')} #{id} ${note}`, reporter, null],
        show: [`${cmd('/查看')} #{id}`, secretary, null],
        assign: [`${cmd('/交办')} #{id} @${org.person(secretary)?.name ?? secretary} 期限:${when[i]}`, verifier, null],
        list: [`${cmd('/清单')} ${note}`, verifier, null],
        status: [`${cmd('/进度')} ${note}`, reporter, null],
      };
      const [text, who, quote] = texts[step];
      messages.push(msg(text, who, i, quote));
    });
    return { sender: { userId: reporter, chatId: chat }, messages };
  });

const conversationArb = fc.oneof({ weight: 3, arbitrary: randomConversationArb }, { weight: 2, arbitrary: loopConversationArb });

/* ------------------------------------------------------------------ invariants */

/** The ledger is whole (test/support/ledger-integrity.ts); returns how many issues it holds. */
async function checkLedger(): Promise<number> {
  return (await expectLedgerWhole(redis, prefix)).length;
}

/* ------------------------------------------------------------------ the property */

describe('any message, any sender, any chat', () => {
  it('gets a known kind of reply, never an internal error, and leaves the ledger whole', async () => {
    let sent = 0;
    const openings = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(conversationArb, async ({ sender, messages }) => {
        let lastId = '1';
        for (const m of messages) {
          const who = m.sender ?? sender;
          clock.advance(m.advanceMs);
          const fill = (t: string) => t.replaceAll('{id}', lastId);
          const incoming = message(who.userId, who.chatId, fill(m.text), { ...(m.quote !== null ? { quote: fill(m.quote) } : {}), images: m.images });
          const logsBefore = logs.length;
          // Never rejects: every failure becomes a reply at the pipeline's one boundary.
          const reply = await pipeline.dispatch(incoming);
          sent++;
          const opening = OPENINGS.find((o) => reply.markdown.startsWith(o)) ?? 'other';
          openings.set(opening, (openings.get(opening) ?? 0) + 1);
          expect(reply.pending).toBeUndefined();
          expect(typeof reply.markdown).toBe('string');
          expect(reply.markdown.trim()).not.toBe('');
          if (opening === 'other') throw new Error(`unexpected opening for ${JSON.stringify(incoming.text)}: ${JSON.stringify(reply.markdown.slice(0, 80))}`);
          expect(reply.markdown.startsWith(INTERNAL_ERROR) ? { text: incoming.text, reply: reply.markdown } : 'no internal error').toBe('no internal error');
          expect(logs.slice(logsBefore).filter((l) => l.level >= 50)).toEqual([]);
          lastId = /^📌 已登记 \*\*#(\d+)\*\*/u.exec(reply.markdown)?.[1] ?? lastId;
        }
        await checkLedger();
      }),
      { numRuns: 150 },
    );
    const issues = await checkLedger();
    // The generated commands did reach the ledger and its steps, not only the error replies.
    expect(issues).toBeGreaterThan(5);
    expect(sent).toBeGreaterThanOrEqual(150);
    for (const kind of ['📌', '✅', '☑️', '⚠️', '❓', '无权限', '**']) expect({ kind, seen: (openings.get(kind) ?? 0) > 0 }).toEqual({ kind, seen: true });
  }, 58_000);
});
