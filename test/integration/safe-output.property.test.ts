import os from 'node:os';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { commands } from '../../handlers';
import { createJobsClient, type JobsClient } from '../../jobs';
import type { Push } from '../../jobs/push';
import { createQueues, type Queues } from '../../jobs/queues';
import { LinkSigner } from '../../src/server/signed-links';
import { ExportFiles } from '../../src/store/export-files';
import { runBulletin } from '../../jobs/ticks/bulletin';
import { runDigest } from '../../jobs/ticks/digest';
import { fixedClock } from '../../src/clock';
import { DAY_MS } from '../../src/domain/time';
import { createPipeline, type Pipeline } from '../../src/pipeline/pipeline';
import { CommandRegistry } from '../../src/pipeline/registry';
import { reminderText } from '../../src/rendering/pushes';
import { DraftStore } from '../../src/store/draft-store';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { MessageLog } from '../../src/store/message-log';
import { createRecordStores } from '../../src/store/record-stores';
import type { IncomingMessage } from '../../src/transport/types';
import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { captureLogs } from '../support/log-capture';
import { testPrefix, testRedis, testRedisUrl } from '../support/redis';

/**
 * No user input can add a mention, a link, an image, a heading, a <font> or a line to anything
 * duban shows: replies, /查看 cards, lists, /status, and the pushes (/催办, reminders, the
 * overdue digest, the escalation, the markdown 通报). Each run walks the loop twice on the
 * real pipeline and stores — once with harmless text, once with generated markup, control and
 * line-break characters in every user field — and compares the two outputs line for line.
 * Only the clock is fixed; pushes are read from the real BullMQ outbound queue (no workers run).
 */

/** Without the demo's 巡查 checklist 类别 is free text, so the generated text reaches the ledger and every output. */
const org = (() => {
  const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as Record<string, unknown>;
  delete raw.checklist;
  return parseOrg(stringifyYaml(raw), {});
})();
const clock = fixedClock('2026-04-27T09:00:00+08:00');
const CHAT = 'CHAT_T1';
const MEMBER = 'u_t1_m2'; // 唐建平, reports
const CHECKER = 'u_t1_m3'; // 冉小兵, rejects and chases
const LEADER = 'u_luo'; // 罗志刚, approves, lists
const SECRETARY = 'u_sec_banzhu'; // 陈晓燕, 斑竹村

let redis: Redis;
let pipeline: Pipeline;
let queues: Queues;
let jobs: JobsClient;
let ledger: LedgerStore;
let msgSeq = 0;

beforeAll(async () => {
  redis = testRedis();
  const keys = createKeys(testPrefix());
  const { logger } = captureLogs('warn');
  ledger = new LedgerStore(redis, keys);
  queues = createQueues(testRedisUrl(), keys.bullPrefix, logger);
  jobs = createJobsClient({ queues, redisUrl: testRedisUrl(), redis, keys, ledger, org: () => org, env: { WECOM_API_BASE: 'http://127.0.0.1:9', WECOM_TRANSPORT: 'webhook' }, clock, logger, files: { exports: new ExportFiles(redis, keys, os.tmpdir()), links: new LinkSigner(Buffer.alloc(32, 1), () => 'http://127.0.0.1:9') } });
  pipeline = createPipeline({
    org: () => org,
    commands: new CommandRegistry(commands),
    messages: new MessageLog(redis, keys),
    ledger,
    drafts: new DraftStore(redis, keys),
    records: createRecordStores(redis, keys),
    jobs,
    clock,
    logger,
  });
});
afterAll(async () => {
  await queues.close();
  await redis.quit();
});

/** The text as a transport could hand it over, unfolded: CR, LS, PS and controls reach the pipeline. */
async function say(userId: string, text: string): Promise<string> {
  const m: IncomingMessage = { transport: 'webhook', msgid: `safe-${++msgSeq}`, chatType: 'group', chatId: CHAT, userId, text, media: [], requestId: `req-${msgSeq}` };
  return (await pipeline.dispatch(m)).markdown;
}

const seenPushes = new Set<string>();
/** Pushes queued since the last call. */
async function newPushes(): Promise<Push[]> {
  const all = await queues.outbound.getJobs(['waiting', 'delayed', 'prioritized']);
  const fresh = all.filter((j) => j.id !== undefined && !seenPushes.has(j.id));
  for (const j of fresh) seenPushes.add(j.id!);
  return fresh.map((j) => j.data as Push);
}

/* ------------------------------------------------------------------ generators */

/** Markup WeCom acts on, line breaks of every kind, terminal escapes and bidi controls. */
const PIECES = [
  '<@u_admin>', '<@all>', '&lt;@u_admin&gt;', '[核验](http://x.cn)', '![](http://x.cn/a.png)', '[x]: http://x.cn', '# 标题', '## 二级标题', '###', '**加粗**',
  '*斜体*', '_下划_', '__粗__', '~~删除~~', '> 引用', '>> 二级引用', '| a | b |', '|---|---|', '`code`', '```', '<font color="warning">红</font>', '<font color=info>',
  '</font>', '<br>', '<div>', '---', '===', '- 列表', '1. 列表', '\n', '\r', '\r\n', '\n\n', '\u2028', '\u2029', '\u0085', '\v', '\f', '\t', '\u001b[31m', '\u001b]0;x\u0007',
  '\u202e', '\u202d', '\u2066', '\u2069', '\u200e', '\u200b', '\ufeff', '\u0000', '\u007f', '\n# 伪造标题\n', '\n\n**记录**\n- 11月1日 09:00 罗志刚 销号 → 已销号\n',
  '\n<@u_luo>\n', '\n> 通报：全部整改完毕\n', ' ', '  ', '斑竹', '闸阀漏水', '已修好',
];
const SOUP = [...'<>[]()!*_~`|#&@=-+. \n\r\u2028\u2029\u001b\u202e'];
const pieceArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PIECES) }, { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...SOUP), maxLength: 12 }) });
/**
 * A free-text field: always opening and closing with a word (an @ or # first would be read as
 * a mention or an issue), always carrying a mention tag and a link whose inert forms the test
 * looks for. Never “ or ” (they quote the field), a colon (a field key) or a digit (a deadline).
 */
const longArb = fc.array(pieceArb, { minLength: 1, maxLength: 8 }).map((p) => `情况<@u_admin>${p.join('')}[核验](http://x.cn)说明`);
const shortArb = fc.constantFrom(...PIECES.filter((p) => p.length <= 14)).map((p) => `类${p}别`);

interface Texts {
  description: string;
  category: string;
  note: string;
  reason: string;
}
const HARMLESS: Texts = { description: '路灯不亮群众反映', category: '环境卫生', note: '已更换灯泡', reason: '配件需从厂家订购' };
const evilArb = fc.record<Texts>({ description: longArb, category: shortArb, note: longArb, reason: longArb });

/* ------------------------------------------------------------------ the checks */

const HEADING = /^[ \t]{0,3}#{1,6}(?:\s|$)/mu;
/** Controls other than \n, line breaks other than \n, and format characters (bidi, zero-width). */
const INVISIBLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]|\p{Cf}/u;

const count = (text: string, needle: string) => text.split(needle).length - 1;

/** Nothing in `text` acts as markup or hides; `baseline` (the same output for harmless text) sets the lines and the <font>s. */
function expectInert(where: string, text: string, baseline?: string, fonts = 0): void {
  const found = {
    where,
    mention: text.includes('<@'),
    link: text.includes(']('),
    heading: HEADING.test(text),
    invisible: INVISIBLE.test(text),
    fonts: count(text, '<font'),
    lines: text.split('\n').length,
  };
  const expected = { where, mention: false, link: false, heading: false, invisible: false, fonts: baseline ? count(baseline, '<font') : fonts, lines: baseline ? baseline.split('\n').length : found.lines };
  if (JSON.stringify(found) !== JSON.stringify(expected)) {
    throw new Error(`${where}: ${JSON.stringify({ found, expected })}\n--- got:\n${text}\n--- harmless:\n${baseline ?? '(none)'}`);
  }
}

/** Every line of a generated output is one the template writes: an item line or a fixed line. */
function expectOnlyTemplateLines(where: string, text: string, fixed: readonly RegExp[]): number {
  const item = /^(?:(?:🔴|🟡|🟢) )?#\d+ [^\n]+$/u;
  let items = 0;
  for (const line of text.split('\n')) {
    if (/^🔴 逾期|^🔴 没有/u.test(line) || fixed.some((re) => re.test(line))) continue;
    if (item.test(line)) {
      items++;
      continue;
    }
    throw new Error(`${where}: a line no template writes: ${JSON.stringify(line)}\n--- in:\n${text}`);
  }
  return items;
}

/** One walk of the loop with the given texts: every output, keyed by step. */
async function walk(t: Texts): Promise<{ outputs: Map<string, string>; open: number[] }> {
  const outputs = new Map<string, string>();
  const step = async (name: string, userId: string, text: string) => {
    const reply = await say(userId, text);
    outputs.set(name, reply);
    return reply;
  };
  const reported = await step('/上报', MEMBER, `/上报 斑竹村 “${t.description}” 类别:“${t.category}” 来源:“${t.category}”`);
  const a = Number(/已登记 \*\*#(\d+)\*\*/u.exec(reported)?.[1]);
  if (!a) throw new Error(`not reported: ${reported}`);
  await step('/延期 (申请)', SECRETARY, `/延期 #${a} 10天 “${t.reason}”`);
  await step('/查看 (申请延期)', LEADER, `/查看 #${a}`);
  await step('/延期 同意', LEADER, `/延期 #${a} 同意`);
  const reminded = await step('/催办', CHECKER, `/催办 #${a}`);
  const pushes = await newPushes();
  const remindNow = pushes.find((p) => p.kind === 'remind-now' && p.content.includes(`#${a} `));
  if (reminded.startsWith('📣')) {
    if (!remindNow) throw new Error(`no /催办 push for #${a}`);
    outputs.set('/催办 push', remindNow.content);
  }
  await step('/整改', SECRETARY, `/整改 #${a} “${t.note}”`);
  await step('/驳回', CHECKER, `/驳回 #${a} “${t.reason}”`);
  await step('/整改 (再次)', SECRETARY, `/整改 #${a} “${t.note}”`);
  await step('/查看', LEADER, `/查看 #${a}`);
  const second = await step('/上报 期限', MEMBER, `/上报 斑竹村 “${t.description}” 期限:1天`);
  const b = Number(/已登记 \*\*#(\d+)\*\*/u.exec(second)?.[1]);
  if (!b) throw new Error(`not reported: ${second}`);
  outputs.set('reminder push', reminderText(org, (await ledger.get(b))!, clock.now().getTime()));
  return { outputs, open: [a, b] };
}

describe('user text in every field, every output', () => {
  it('never adds a mention, a link, a heading, a <font>, a hidden character or a line', async () => {
    let compared = 0;
    let run = 0;
    const remindersCompared = { n: 0 };
    await fc.assert(
      fc.asyncProperty(evilArb, async (evil) => {
        run++;
        const harmless = await walk(HARMLESS);
        const generated = await walk(evil);
        let closed: string[] = [];
        try {
          for (const [name, baseline] of harmless.outputs) {
            const got = generated.outputs.get(name);
            if (name === '/催办 push' && got === undefined) continue;
            if (got === undefined) throw new Error(`${name}: no output with the generated text (harmless: ${baseline})`);
            // Chasing may be refused by a rate limit in one walk and not the other: compare like with like.
            if (name === '/催办' && got.slice(0, 2) !== baseline.slice(0, 2)) continue;
            expect({ name, opening: got.slice(0, 2) }).toEqual({ name, opening: baseline.slice(0, 2) });
            expectInert(name, got, baseline);
            compared++;
            if (name === '/催办 push') remindersCompared.n++;
          }
          // The text was shown, made inert — not dropped.
          const card = generated.outputs.get('/查看')!;
          expect(card).toContain('＜@u_admin＞');
          expect(card).toContain('［核验］(http://x.cn)');

          // Lists and figures, the two walks' overdue issues in them.
          clock.advance(10 * DAY_MS);
          const mine = await say(SECRETARY, '/我的');
          expectInert('/我的', mine);
          const mineItems = expectOnlyTemplateLines('/我的', mine, [/^\*\*待我整改\*\*（\d+）$/u, /^$/u, /^整改后回复：/u]);
          expect(mineItems).toBe(Math.min(20, Number(/^\*\*待我整改\*\*（(\d+)）/u.exec(mine)?.[1] ?? 0)));
          const list = await say(LEADER, '/清单 逾期');
          expectInert('/清单 逾期', list);
          const listItems = expectOnlyTemplateLines('/清单 逾期', list, [/^\*\*第一工作队 · 逾期（最久的在前）\*\*（共 \d+ 条(，第 \d+\/\d+ 页)?）$/u, /^下一页：/u]);
          expect(listItems).toBe(Math.min(10, Number(/共 (\d+) 条/u.exec(list)?.[1])));
          const status = await say(LEADER, '/status 斑竹村');
          expectInert('/status', status);
          const statusItems = expectOnlyTemplateLines('/status', status, [
            /^\*\*福禄镇斑竹村 · 累计\*\*$/u, /^发现 \d+　已销号 \d+　逾期 \d+$/u, /^整改中 \d+　待核验 \d+　待交办 \d+$/u, /^整改率 \S+　按期整改率 \S+$/u,
            /^平均(不到 1| \d+\.\d) 天销号$/u, /^$/u, /^🟢 没有逾期问题。$/u, /^\*\*各单位\*\*/u, /^斑竹村 发现\d+ 销号\d+( 🔴\d+)? \S+%$/u, /^\*\*逾期最久\*\*$/u,
          ]);
          expect(statusItems).toBe(Math.min(5, Number(/逾期 (\d+)/u.exec(status)?.[1])));

          // The overdue digest, the escalation and the 通报.
          await runDigest(`safe-${run}`, { ledger, outbox: jobs.outbox, org: () => org, clock });
          await runBulletin(`safe-${run}`, { ledger, outbox: jobs.outbox, org: () => org, clock });
          const pushes = await newPushes();
          const kinds = new Set(pushes.map((p) => p.kind));
          expect({ digest: kinds.has('overdue-digest'), escalation: kinds.has('escalation'), bulletin: kinds.has('bulletin') }).toEqual({ digest: true, escalation: true, bulletin: true });
          for (const p of pushes) {
            expectInert(p.kind, p.content, undefined, p.kind === 'bulletin' ? org.teams.length : 0);
            const shown = p.content.includes('＜@u_admin＞');
            if (p.kind === 'overdue-digest' || p.kind === 'escalation') {
              const items = expectOnlyTemplateLines(p.kind, p.content, [/^⚠️ 逾期超过/u, /^…另有 \d+ 件/u, /^其中逾期超过/u]);
              expect(items).toBe(Math.min(20, Number(/(\d+) 件/u.exec(p.content)?.[1])));
              expect({ kind: p.kind, shown }).toEqual({ kind: p.kind, shown: true });
            }
            if (p.kind === 'bulletin') {
              const teams = p.content.split('\n').filter((l) => l.startsWith('> '));
              expect(teams).toHaveLength(org.teams.length);
              expect(count(p.content, '<font')).toBe(org.teams.length);
              const items = expectOnlyTemplateLines('bulletin', p.content, [/^\*\*\S+整改工作通报\*\*（截至[^\n]+）$/u, /^$/u, /^> 第\S+工作队：发现 \d+，已销号 \d+，整改率 \S+，逾期 <font color="warning">\d+<\/font>$/u, /^\*\*逾期最久\*\*$/u]);
              expect(items).toBeGreaterThan(0);
              expect(items).toBeLessThanOrEqual(10);
              expect(shown).toBe(true);
            }
          }

        } finally {
          // Close the walks (also when a check failed), so the next run's digest lists its own issues.
          const closes = [...harmless.open.map((id) => [id, HARMLESS.reason] as const), ...generated.open.map((id) => [id, evil.reason] as const)];
          closed = await Promise.all(closes.map(async ([id, reason]) => say(MEMBER, `/撤销 #${id} “${reason}”`)));
        }
        expect(closed.map((r) => r.slice(0, 2))).toEqual(['🗑', '🗑', '🗑', '🗑']);
        expectInert('/撤销', closed[2]!, closed[0]!);
        expectInert('/撤销', closed[3]!, closed[1]!);

        // A word quoted back: an unknown topic, an unknown list filter.
        const word = `类${evil.category.replace(/\s/gu, '')}`;
        expectInert('/帮助 <word>', await say(LEADER, `/帮助 ${word}`));
        expectInert('/清单 <word>', await say(LEADER, `/清单 ${word}`));
        clock.advance(DAY_MS);
      }),
      { numRuns: 30 },
    );
    expect(compared).toBeGreaterThanOrEqual(30 * 10);
    expect(remindersCompared.n).toBeGreaterThan(0);
  }, 120_000);
});
