import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/store/embedded-redis';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';
import { createHash } from 'node:crypto';
import { startTestApp, TEST_AES_KEY, TEST_TOKEN, type TestApp } from '../support/app';
import { testPrefix, testRedisUrl } from '../support/redis';
import { pollUntil } from '../support/wait';

/**
 * `npm run chat -- --watch` as a real process (the client's own source, tsx as a loader) on a
 * redis-server of its own, so that the server can go away and come back under it.
 */
const root = path.resolve(__dirname, '../..');
const silent = pino({ level: 'silent' });

interface Client {
  child: ChildProcess;
  /** Types a line (with stdin piped). */
  type(line: string): void;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr contains `text`; fails if the client exits first. */
  waitFor(stream: 'stdout' | 'stderr', text: string): Promise<void>;
}

function startClient(args: string[], env: Record<string, string>, stdin: 'ignore' | 'pipe' = 'ignore'): Client {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/chat.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', TZ: 'Asia/Shanghai', NODE_ENV: 'test', WECOM_TOKEN: TEST_TOKEN, WECOM_ENCODING_AES_KEY: TEST_AES_KEY, ...env },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  const text = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  child.stdout!.on('data', (d: Buffer) => ((text.stdout += d.toString()), wake()));
  child.stderr!.on('data', (d: Buffer) => ((text.stderr += d.toString()), wake()));
  child.on('exit', wake);
  return {
    child,
    type: (line) => void child.stdin!.write(`${line}\n`),
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    waitFor: (stream, wanted) =>
      new Promise((resolve, reject) => {
        // A wait that never ends says what the client printed instead of a bare jest timeout.
        const timer = setTimeout(() => reject(new Error(`no "${wanted}" on ${stream} within 30 s:\n${text.stdout}\n${text.stderr}`)), 30_000);
        const check = () => {
          if (text[stream].includes(wanted)) {
            clearTimeout(timer);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            reject(new Error(`the client exited before "${wanted}": ${text.stdout}${text.stderr}`));
          } else waiters.push(check);
        };
        check();
      }),
  };
}

/** The watcher reads from "now" on: wait until its XREAD blocks (nothing announces it). */
async function watcherBlocking(redisUrl: string): Promise<void> {
  const admin = new Redis({ ...redisOptions(redisUrl), maxRetriesPerRequest: 1 });
  try {
    await pollUntil(async () => String(await admin.client('LIST')).includes('cmd=xread'), 'the client blocking on XREAD', 10_000, 20);
  } finally {
    admin.disconnect();
  }
}

describe('the chat client watching a group (npm run chat -- --watch)', () => {
  let dir: string;
  let redis: EmbeddedRedis;
  let client: Client | undefined;
  let t: TestApp | undefined;
  const prefix = testPrefix();

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'duban-chat-'));
    redis = await startEmbeddedRedis({ dir, logger: silent, persistence: false });
  });
  afterEach(async () => {
    if (client && client.child.exitCode === null) {
      client.child.kill('SIGTERM');
      await once(client.child, 'exit');
    }
    await t?.stop();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const watch = () =>
    startClient(['--as', '郑国强', '--watch'], { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, DATA_DIR: dir });

  const push = (app: TestApp, id: string, content: string) =>
    app.app.jobs.outbox.enqueue({ id, chatId: 'CHAT_T2', kind: 'remind-now', format: 'text', content, mentions: ['u_sec_xiguan'], createdAt: Date.now() });

  it('prints only the watch line, and a push with its terminal controls and bidi overrides removed', async () => {
    t = await startTestApp({ redisUrl: redis.url, prefix });
    client = watch();
    await client.waitFor('stdout', '的群推送');
    await watcherBlocking(redis.url);

    await push(t, 'hostile-1', '⏰ 整改提醒\u001b[2J\u001b[H #7 喜观村：\u202e日03月11\u202c\u001b]0;已销号\u0007 路灯\r不亮\u009b1A\u0007');
    await client.waitFor('stdout', '不亮');

    expect(client.stdout()).toBe(
      '以 郑国强（u_t2_m1）身份看群 CHAT_T2 的群推送，Ctrl-C 退出。\n' +
        '\n—— 群机器人推送 ——\n⏰ 整改提醒 #7 喜观村：日03月11 路灯不亮\n@王丽萍\n\n',
    );
    expect(client.stdout()).not.toContain('输入命令');
    expect(client.stderr()).toBe('');
  }, 30_000);

  it('says once that the server went away, nothing while it retries, and once that it is back', async () => {
    t = await startTestApp({ redisUrl: redis.url, prefix });
    client = watch();
    await watcherBlocking(redis.url);

    await t.stop();
    t = undefined;
    await redis.stop();
    await client.waitFor('stderr', '（与督办服务的连接断开，正在重连…）');

    // Something answers on the socket and hangs up at once: every retry of the client is seen.
    const socket = new URL(redis.url).pathname;
    let attempts = 0;
    const refuser = net.createServer((c) => (attempts++, c.destroy()));
    await new Promise<void>((resolve) => refuser.listen(socket, resolve));
    await pollUntil(() => attempts >= 3, 'three reconnection attempts', 15_000);
    await new Promise<void>((resolve) => refuser.close(() => resolve()));

    redis = await startEmbeddedRedis({ dir, logger: silent, persistence: false });
    await client.waitFor('stderr', '（已连上督办服务，群推送会继续显示）');
    expect(client.stderr()).toBe('（与督办服务的连接断开，正在重连…）\n（已连上督办服务，群推送会继续显示）\n');

    // And it reads the pushes again.
    t = await startTestApp({ redisUrl: redis.url, prefix });
    await watcherBlocking(redis.url);
    await push(t, 'after-restart', '🔴 逾期未整改 1 件');
    await client.waitFor('stdout', '🔴 逾期未整改 1 件');
  }, 60_000);
});

describe('the chat client clicking a card’s buttons (npm run chat)', () => {
  let t: TestApp;
  let client: Client | undefined;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(async () => {
    if (client && client.child.exitCode === null) {
      client.child.kill('SIGTERM');
      await once(client.child, 'exit');
    }
    await t.stop();
  });

  it('shows a reply’s card with numbered buttons, sends a real card event on !n or 点n, and prints the card update and the follow-up', async () => {
    client = startClient(['--as', '罗志刚', '--url', t.baseUrl], { DATA_DIR: t.dataDir, REDIS_KEY_PREFIX: t.prefix, REDIS_URL: testRedisUrl() }, 'pipe');
    const c = client;
    const followUps = () => c.stdout().split('—— 按钮的回复 ——').length - 1;

    c.type('/上报 斑竹村 闸阀漏水');
    await c.waitFor('stdout', '[1] 已整改  [2] 查看');
    expect(c.stdout()).toContain(['┌ 交办通知', '│ #1 福禄镇斑竹村', '│ 闸阀漏水', '│ 状态：整改中　责任人：陈晓燕'].join('\n'));

    // 查看: the /查看 text arrives at the client's own response_url; the card stays.
    c.type('!2');
    await c.waitFor('stdout', '—— 按钮的回复 ——\n**#1 福禄镇斑竹村**（整改中）');
    expect(c.stdout()).toContain('（点了“查看”，卡片未变）');

    // 已整改 asks, as the typed /整改 #1 does; the typed answer reports the fix and brings the 待核验 card.
    c.type('点1');
    await pollUntil(() => followUps() === 2, 'the question as a follow-up');
    expect(c.stdout()).toContain('—— 按钮的回复 ——\n❓ 请简要说明 #1 的整改情况');
    c.type('闸阀已更换');
    await c.waitFor('stdout', '[1] 销号  [2] 驳回  [3] 查看');

    // 罗志刚 reported the fix himself: his 销号 is refused (两人核验), the card stays.
    c.type('!1');
    await pollUntil(() => followUps() === 3, 'the refusal as a follow-up');
    expect(c.stdout()).toContain('—— 按钮的回复 ——\n无权限：#1 的整改由你反馈');

    c.type('!9');
    await c.waitFor('stderr', '最近的卡片没有第 9 个按钮。');
    c.child.stdin!.end();
    const [code] = (await once(c.child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(await new LedgerStore(t.redis, createKeys(t.prefix)).get(1)).toMatchObject({ state: 'submitted', fixedBy: 'u_luo' });
  }, 60_000);
});

describe('two terminals in one group (npm run chat): every card is seen and clicked by anyone, photos are real', () => {
  let t: TestApp;
  const clients: Client[] = [];
  beforeEach(async () => {
    // As `make run` allows (the Makefile): the client serves its photos on loopback over http.
    t = await startTestApp({ env: { EVIDENCE_MEDIA_HOSTS: '*.myqcloud.com,*.qq.com,http://127.0.0.1' } });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) {
      if (c.child.exitCode === null) {
        c.child.kill('SIGTERM');
        await once(c.child, 'exit');
      }
    }
    await t.stop();
  });
  const join = (as: string) => {
    const c = startClient(['--as', as, '--url', t.baseUrl], { DATA_DIR: t.dataDir, REDIS_KEY_PREFIX: t.prefix, REDIS_URL: testRedisUrl() }, 'pipe');
    clients.push(c);
    return c;
  };
  const linksIn = (text: string) => [...text.matchAll(/\]\((http[^)\s]+)\)/gu)].map((m) => m[1]!);

  it('shows 唐建平’s card to 陈晓燕, who clicks 已整改 as herself and sends two photos; 唐建平 closes it from her card; the photos are kept and served', async () => {
    const tang = join('唐建平');
    const chen = join('陈晓燕');
    // Each has started (and so reads the cards shared from its start on) once it has answered.
    tang.type('/帮助');
    chen.type('/帮助');
    await tang.waitFor('stdout', '可用命令');
    await chen.waitFor('stdout', '可用命令');

    tang.type('/上报 斑竹村 闸阀漏水');
    await chen.waitFor('stdout', '[1] 已整改  [2] 查看');
    expect(chen.stdout()).toContain(['—— 卡片 ——　唐建平 的消息的回复', '┌ 交办通知', '│ #1 福禄镇斑竹村', '│ 闸阀漏水', '│ 状态：整改中　责任人：陈晓燕　期限：'].join('\n'));
    expect(chen.stdout()).toContain('\n└ [1] 已整改  [2] 查看　（输入 !编号 点按钮，例如 !1 或 !1 #1）\n');
    // 唐建平 saw his card with his reply, not a second time from the stream.
    expect(tang.stdout()).not.toContain('—— 卡片 ——');

    // Her click is a template_card_event from her: the question of her /整改 #1 comes to her terminal.
    chen.type('!1');
    await chen.waitFor('stdout', '—— 按钮的回复 ——\n❓ 请简要说明 #1 的整改情况');
    chen.type('闸阀已更换 [图片] [图片]');
    await tang.waitFor('stdout', '[1] 销号  [2] 驳回  [3] 查看');
    expect(tang.stdout()).toContain('—— 卡片 ——　陈晓燕 的消息的回复\n┌ ');
    expect(await new LedgerStore(t.redis, createKeys(t.prefix)).get(1)).toMatchObject({ state: 'submitted', fixedBy: 'u_sec_banzhu' });

    // A later card about another issue (his own #2, whose [1] is 已整改): `!1 #1` still picks #1's.
    tang.type('/上报 斑竹村 路灯不亮');
    await chen.waitFor('stdout', '│ #2 福禄镇斑竹村');
    tang.type('!1 #1');
    await tang.waitFor('stdout', '（卡片已更新）');
    await chen.waitFor('stdout', '—— 卡片已更新 ——　唐建平 点了“销号”');
    expect(chen.stdout()).toMatch(/—— 卡片已更新 ——　唐建平 点了“销号”\n┌ [^\n]+\n│ #1 福禄镇斑竹村/u);
    const issue = await new LedgerStore(t.redis, createKeys(t.prefix)).get(1);
    expect(issue).toMatchObject({ state: 'closed', fixedBy: 'u_sec_banzhu' });
    expect((await new LedgerStore(t.redis, createKeys(t.prefix)).get(2))?.state).toBe('assigned');

    // Both photos were downloaded from her terminal, decrypted and kept: two files, two hashes.
    await pollUntil(async () => ((await new LedgerStore(t.redis, createKeys(t.prefix)).get(1))?.evidence ?? []).every((e) => e.stored) , 'both photos kept', 15_000);
    const kept = (await new LedgerStore(t.redis, createKeys(t.prefix)).get(1))!.evidence;
    expect(kept).toHaveLength(2);
    expect(kept.map((e) => e.stored?.type)).toEqual(['jpeg', 'jpeg']);
    expect(new Set(kept.map((e) => e.stored?.sha256)).size).toBe(2);

    chen.type('/查看 #1');
    await chen.waitFor('stdout', '**照片和文件**');
    // A link per photo, or (in a group) one link to the issue's photo page that links each.
    const links: string[] = [];
    for (const link of linksIn(chen.stdout().slice(chen.stdout().lastIndexOf('**#1 福禄镇斑竹村**')))) {
      if (!new URL(link).pathname.startsWith('/evidence/issues/')) links.push(link);
      else for (const [, href] of (await (await fetch(link)).text()).matchAll(/href="([^"]+\.jpg[^"]*)"/gu)) links.push(new URL(href!.replace(/&amp;/gu, '&'), t.baseUrl).toString());
    }
    expect(links).toHaveLength(2);
    for (const link of links) {
      const res = await fetch(link);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      expect(bytes.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
      expect(bytes.toString('latin1')).toContain('duban chat client demo photo');
      expect(link).toContain(createHash('sha256').update(bytes).digest('hex'));
    }

    // Both listened to before either ends: one may exit while the other is awaited.
    const exits = [tang, chen].map((c) => once(c.child, 'exit'));
    for (const c of [tang, chen]) c.child.stdin!.end();
    expect((await Promise.all(exits)).map(([code]) => code as number)).toEqual([0, 0]);
    expect(chen.stderr()).toBe('');
    expect(tang.stderr()).toBe('');
  }, 90_000);
});
