import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import * as tar from 'tar';
import { TIMERS_QUEUE } from '../../jobs/queues';
import { backupMain, restoreMain } from '../../src/backup/commands';
import { unpack } from '../../src/backup/restore';
import { redisCliEndpoint, takeSnapshot } from '../../src/backup/snapshot';
import { openRdb } from '../../src/backup/temp-redis';
import { CliError } from '../../src/cli/cli-context';
import type { Issue } from '../../src/domain/issue';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/store/embedded-redis';
import { EvidenceFiles } from '../../src/store/evidence-files';
import { createKeys } from '../../src/store/keys';
import { followUpMember, LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';
import { ScoreEntryStore } from '../../src/store/score-entries';
import { BOT_NAME, demoOrgWith, startTestApp, type TestApp } from '../support/app';
import { dumpAll, type KeyDump } from '../support/backup-fixture';
import { FakeWecom } from '../support/fake-wecom';
import { captureLogs } from '../support/log-capture';
import { testPrefix } from '../support/redis';
import { pollUntil } from '../support/wait';

/**
 * npm run backup / npm run restore on a Redis of their own (a restore needs an empty server, and
 * the suite's shared one holds every other test's keys): TCP with a password, like a remote one.
 * The bot keeps reporting while the snapshot is taken; after a wipe the restore must give back
 * exactly the snapshot — key by key, through the chat, and with its pending reminders firing.
 */
jest.setTimeout(90_000);
const run = promisify(execFile);
const logger = captureLogs().logger;
const fake = new FakeWecom();
// Real time: BullMQ delays in real time, and the reminders must fire after the restore.
const policy = { quietHours: 'off', deadline: '30s', remindBefore: ['12s'], escalate: [], digestCron: '0 0 1 1 *', bulletinCron: '0 0 1 1 *' };
const org = demoOrgWith(policy);

let server: EmbeddedRedis;
let redis: Redis;
let work: string;
let dataDir: string;
let outDir: string;
const prefix = testPrefix();
const keys = createKeys(prefix);
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  await fake.start();
  work = await mkdtemp(path.join(os.tmpdir(), 'duban-bk-'));
  dataDir = path.join(work, 'data');
  outDir = path.join(work, 'backups');
  server = await startEmbeddedRedis({ dir: path.join(work, 'redis'), logger, tcp: true, persistence: false });
  redis = new Redis({ ...redisOptions(server.url), maxRetriesPerRequest: 1 });
  // What the CLIs read, as the server would: the same Redis, prefix and DATA_DIR.
  for (const [k, v] of Object.entries({ REDIS_URL: server.url, REDIS_KEY_PREFIX: prefix, DATA_DIR: dataDir, ORG_FILE: undefined })) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await redis.quit();
  await server.stop();
  await fake.stop();
  await rm(work, { recursive: true, force: true });
});

const app = () => startTestApp({ org, redisUrl: server.url, prefix, env: { WECOM_API_BASE: fake.url, DATA_DIR: dataDir }, jobTimings: { backoffMs: 50, throttleMs: 200 } });
const say = (t: TestApp, userId: string, chatId: string, text: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
const idOf = (reply: string) => Number(/#(\d+)/.exec(reply)![1]);

async function cli(main: (argv: string[], print: (l: string) => void) => Promise<number>, argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  try {
    const code = await main(argv, (l) => lines.push(l));
    return { code, out: lines.join('\n') };
  } catch (err) {
    if (err instanceof CliError) return { code: err.code, out: [...lines, err.message].join('\n') };
    throw err;
  }
}

/** The archive's snapshot, opened in a private server: its keys, and its issues as the store reads them. */
async function snapshotOf(archive: string): Promise<{ dump: Map<string, KeyDump>; at: number; issues: Issue[]; audits: Map<number, number>; reminders: Set<string>; followUps: Set<string> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-bk-view-'));
  try {
    const manifest = await unpack(archive, dir);
    const opened = await openRdb(path.join(dir, 'redis.rdb'), logger, manifest.redis.db);
    try {
      const client = opened.redis as Redis;
      const store = new LedgerStore(client, keys);
      const issues: Issue[] = [];
      const audits = new Map<number, number>();
      for (let id = 1; ; id++) {
        const issue = await store.get(id);
        if (!issue) break;
        issues.push(issue);
        audits.set(id, await store.historyLength(id));
      }
      const delayed = (await client.call('ZRANGE', `${keys.bullPrefix}:${TIMERS_QUEUE}:delayed`, '0', '-1')) as string[];
      // The follow-ups written down with each commit and not yet done (members `<id>:<version>`).
      const followUps = (await client.call('ZRANGE', keys.followUpsDue, '0', '-1')) as string[];
      return { dump: await dumpAll(client), at: Date.now(), issues, audits, reminders: new Set(delayed), followUps: new Set(followUps) };
    } finally {
      await opened.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const hasReminder = (jobs: Set<string>, id: number) => [...jobs].some((j) => j.startsWith(`remind-${id}-`));

/** The snapshot's keys still alive now: a short-lived key (a lock, a rate limit) may have expired since. */
function alive(snap: { dump: Map<string, KeyDump>; at: number }): Map<string, KeyDump> {
  const elapsed = Date.now() - snap.at + 1_000;
  return new Map([...snap.dump].filter(([, v]) => v.pttl < 0 || v.pttl > elapsed));
}

describe('backup while the bot writes, wipe, restore', () => {
  let archive: string;
  let snap: Awaited<ReturnType<typeof snapshotOf>>;
  const evidence: { sha256: string; bytes: Buffer }[] = [];
  const views = new Map<number, string>();
  let lateId = 0;
  const due: number[] = [];

  it('takes a consistent snapshot in the middle of a stream of /上报', async () => {
    const t = await app();
    try {
      // A closed issue (its 回头看 pending), one awaiting verification, score entries, files.
      const closed = idOf(await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 路灯不亮'));
      await say(t, 'u_sec_banzhu', 'CHAT_T1', `/整改 #${closed} 已更换灯泡`);
      expect(await say(t, 'u_t1_m3', 'CHAT_T1', `/销号 #${closed}`)).toContain('已销号');
      const fixed = idOf(await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 井盖缺失'));
      // Two left open on the policy's deadline: their reminders come due after the restore.
      due.push(idOf(await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 道路破损')), idOf(await say(t, 'u_t2_m2', 'CHAT_T2', '/上报 喜观村 垃圾堆放')));
      expect(await say(t, 'u_sec_banzhu', 'CHAT_T1', `/整改 #${fixed} 已补齐`)).toContain('待核验');
      expect(await say(t, 'u_admin', 'CHAT_ADMIN', '/加分 第一工作队 2 获市级表彰')).toContain('已加分');
      expect(await say(t, 'u_admin', 'CHAT_ADMIN', '/扣分 单位 斑竹村 0.5 台账资料不全')).toContain('已扣分');
      const files = new EvidenceFiles(dataDir);
      for (const n of [1, 2, 3]) {
        const bytes = Buffer.from(`\xff\xd8\xff photo ${n} ${'x'.repeat(n * 1000)}`, 'latin1');
        evidence.push({ sha256: (await files.put(bytes, 'jpeg')).sha256, bytes });
      }
      await mkdir(path.join(dataDir, 'exports'), { recursive: true });
      await writeFile(path.join(dataDir, 'exports', 'exportAbc123.xlsx'), 'xlsx bytes');

      // The stream: /上报 one after another until told to stop.
      let stop = false;
      const streamed: number[] = [];
      const stream = (async () => {
        // An hour's deadline: their reminders stay pending (a robot takes 20 pushes a minute).
        for (let i = 1; !stop; i++) streamed.push(idOf(await say(t, 'u_t1_m2', 'CHAT_T1', `/上报 斑竹村 标识牌缺失${i} 期限:1小时`)));
      })();
      while (streamed.length < 3) await new Promise((r) => setImmediate(r));
      const backup = await cli(backupMain, ['--out', outDir]);
      const afterBackup = streamed.length;
      while (streamed.length < afterBackup + 2) await new Promise((r) => setImmediate(r));
      stop = true;
      await stream;
      expect(backup.code).toBe(0);
      expect(backup.out).toMatch(/^✅ 已备份：.*duban-backup-示例区-\d{8}-\d{6}\.tar\.gz$/m);
      expect(backup.out).toContain('整改照片 3 个，导出文件 1 个');
      const names = await readdir(outDir);
      expect(names).toHaveLength(1); // no staging folder or temporary name left behind
      archive = path.join(outDir, names[0]!);

      snap = await snapshotOf(archive);
      const ids = snap.issues.map((i) => i.id);
      // A point in the middle: some of the stream is in, the last of it is not.
      expect(ids.length).toBeGreaterThan(4 + 3 - 1);
      expect(ids.length).toBeLessThan(4 + streamed.length);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
      // Consistent: every issue in it has its audit entries (written with it, atomically), and
      // every open one its reminder timer — or, when the snapshot fell between a commit and the
      // queueing of its timer after the reply (up to FOLLOW_UP_BATCH_MS later), the follow-up
      // entry the commit wrote with it (the restored app's start-up reconcile sets those, below).
      for (const issue of snap.issues) expect(snap.audits.get(issue.id)).toBeGreaterThanOrEqual(issue.state === 'closed' ? 3 : 1);
      const untimed = snap.issues.filter((i) => i.state === 'assigned' && !hasReminder(snap.reminders, i.id));
      expect(untimed.filter((i) => !snap.followUps.has(followUpMember(i))).map((i) => i.id)).toEqual([]);
      expect(snap.issues.find((i) => i.id === closed)!.state).toBe('closed');
      expect([...snap.reminders].some((j) => j.startsWith(`revisit-${closed}-`))).toBe(true);
      lateId = streamed[streamed.length - 1]!;
      expect(lateId).toBeGreaterThan(ids.length);

      for (const id of [closed, fixed, ids[ids.length - 1]!]) views.set(id, await say(t, 'u_luo', 'CHAT_T1', `/查看 #${id}`));
    } finally {
      await t.stop();
    }
  });

  it('refuses to restore into the Redis that still holds the keys, naming how many', async () => {
    const present = await redis.dbsize();
    const r = await cli(restoreMain, [archive]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`未恢复：目标 Redis 不是空的：当前库已有 ${present} 个键`);
    expect(await redis.dbsize()).toBe(present);
  });

  it('brings back every key, file and reminder after a wipe', async () => {
    await redis.flushall();
    await rm(path.join(dataDir, 'evidence'), { recursive: true });
    await rm(path.join(dataDir, 'exports'), { recursive: true });

    const r = await cli(restoreMain, [archive]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`✅ 已恢复 ${snap.dump.size} 个键到 Redis；文件：新写入 4 个，已存在且相同 0 个`);

    // Key by key: the same payloads, the same expiries (give or take the seconds between).
    const restored = await dumpAll(redis);
    const kept = alive(snap);
    expect([...restored.keys()].filter((k) => !snap.dump.has(k))).toEqual([]);
    expect([...kept.keys()].filter((k) => !restored.has(k))).toEqual([]);
    for (const [k, v] of kept) {
      const got = restored.get(k)!;
      expect({ k, payload: got.payload }).toEqual({ k, payload: v.payload });
      if (v.pttl < 0) expect(got.pttl).toBe(v.pttl);
      else expect(Math.abs(got.pttl - v.pttl)).toBeLessThan(60_000);
    }
    for (const e of evidence) expect(await readFile(path.join(dataDir, 'evidence', `${e.sha256}.jpg`))).toEqual(e.bytes);
    expect(await readFile(path.join(dataDir, 'exports', 'exportAbc123.xlsx'), 'utf8')).toBe('xlsx bytes');
    const scores = new ScoreEntryStore(redis, keys);
    expect((await scores.audit()).map((a) => [a.action, a.targetLabel, a.points])).toEqual([
      ['bonus', '第一工作队', 200],
      ['deduct', '福禄镇斑竹村', -50],
    ]);

    // Through the bot: the same cards, nothing of what came after the snapshot, and the reminders fire.
    const before = fake.messages.length; // only pushes of the restored bot count
    const t = await app();
    try {
      await pollUntil(() => t.logs.some((l) => l.msg === 'issue timers reconciled'), 'the start-up timer reconcile');
      const delayed = new Set((await redis.call('ZRANGE', `${keys.bullPrefix}:${TIMERS_QUEUE}:delayed`, '0', '-1')) as string[]);
      expect(snap.issues.filter((i) => i.state === 'assigned' && !hasReminder(delayed, i.id)).map((i) => i.id)).toEqual([]);
      for (const [id, view] of views) expect(await say(t, 'u_luo', 'CHAT_T1', `/查看 #${id}`)).toBe(view);
      expect(await say(t, 'u_luo', 'CHAT_T1', `/查看 #${lateId}`)).not.toContain(`#${lateId} 福禄镇`);
      const open = snap.issues.filter((i) => i.state === 'assigned');
      expect(open.length).toBeGreaterThan(0);
      const status = await say(t, 'u_luo', 'CHAT_T1', '/status');
      expect(status).toContain(`发现 ${snap.issues.filter((i) => i.teamIds.includes('t1')).length}　已销号 1`);
      const reminded = (id: number) => (m: { content: string }) => m.content.startsWith(`⏰ 整改提醒 #${id} `);
      // The policy's 30 s deadlines remind 18 s after the report: after the restore.
      const soon = open.filter((i) => i.deadline! < Date.now() + 60_000);
      expect(soon.map((i) => i.id)).toEqual(due);
      await fake.waitFor((ms) => soon.every((i) => ms.slice(before).some(reminded(i.id))), 45_000);
      expect(fake.messages.slice(before).filter(reminded(lateId))).toEqual([]);
    } finally {
      await t.stop();
    }
  });

  it('restores over a non-empty Redis with --force, saying what it overwrites', async () => {
    const present = await redis.dbsize();
    await redis.set('stray-key', '1');
    const r = await cli(restoreMain, [archive, '--force']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`--force：目标库已有 ${present + 1} 个键，其中 \\d+ 个将被备份中的同名键覆盖`));
    expect(await redis.get('stray-key')).toBe('1');
    const again = await dumpAll(redis);

    // A file of the same name with other bytes is kept, unless --force.
    const exported = path.join(dataDir, 'exports', 'exportAbc123.xlsx');
    await writeFile(exported, 'edited since');
    await redis.flushall();
    const kept = await cli(restoreMain, [archive]);
    expect(kept.code).toBe(1);
    expect(kept.out).toContain('未恢复：DATA_DIR 中已有 1 个内容不同的同名文件（exports/exportAbc123.xlsx），未覆盖；确要覆盖请加 --force');
    expect(await redis.dbsize()).toBe(0);
    const forced = await cli(restoreMain, [archive, '--force']);
    expect(forced.out).toContain('已存在且相同 3 个，覆盖 1 个');
    expect(await readFile(exported, 'utf8')).toBe('xlsx bytes');
    expect([...alive(snap).keys()].filter((k) => !again.has(k))).toEqual([]);
  });

  it('refuses an archive whose file does not match its sha256, and one that is not an archive', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-bk-bad-'));
    try {
      await tar.x({ file: archive, cwd: dir });
      const photo = path.join(dir, 'data', 'evidence', `${evidence[0]!.sha256}.jpg`);
      const bytes = await readFile(photo);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
      await writeFile(photo, bytes);
      const bad = path.join(dir, 'bad.tar.gz');
      await tar.c({ gzip: true, file: bad, cwd: dir }, ['manifest.json', 'redis.rdb', 'data']);
      await redis.flushall();
      const r = await cli(restoreMain, [bad]);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`未恢复：备份包已损坏：data/evidence/${evidence[0]!.sha256}.jpg 的校验值（sha256）与 manifest.json 不符`);
      expect(await redis.dbsize()).toBe(0);

      const junk = path.join(dir, 'junk.tar.gz');
      await writeFile(junk, (await readFile(archive)).subarray(0, 200));
      const j = await cli(restoreMain, [junk]);
      expect(j.code).toBe(1);
      expect(j.out).toMatch(/未恢复：备份包(已损坏|中没有可读的 manifest\.json)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the snapshot and the commands', () => {
  it('snapshots over the embedded server’s unix socket', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-bk-sock-'));
    const sock = await startEmbeddedRedis({ dir, logger, persistence: false });
    const client = new Redis({ ...redisOptions(sock.url), maxRetriesPerRequest: 1 });
    try {
      expect(sock.url).toMatch(/^unix:\/\//);
      await client.set('a', 'b');
      await client.hset('h', { x: '1' });
      expect((await redisCliEndpoint(sock.url)).args[0]).toBe('-s');
      const snap = await takeSnapshot(sock.url, path.join(dir, 'snap.rdb'));
      expect(snap.bytes).toBeGreaterThan(0);
      const opened = await openRdb(path.join(dir, 'snap.rdb'), logger);
      try {
        expect(await opened.redis.get('a')).toBe('b');
        expect(await opened.redis.hgetall('h')).toEqual({ x: '1' });
      } finally {
        await opened.close();
      }
    } finally {
      await client.quit();
      await sock.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes the password in the environment, never on the command line, and refuses a cluster', async () => {
    const endpoint = await redisCliEndpoint('redis://ops:s3cret@db.example:6380/2');
    expect(endpoint).toEqual({ args: ['-h', 'db.example', '-p', '6380', '--user', 'ops'], env: { REDISCLI_AUTH: 's3cret' }, db: 2 });
    await expect(redisCliEndpoint('redis-cluster://h1:7000,h2:7001')).rejects.toThrow('不支持 Redis Cluster：请对每个分片分别备份');
  });

  it('answers --help and bad arguments in Chinese with exit codes, through the real entry points', async () => {
    const tsx = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const help = await run(tsx, ['src/cli/restore.ts', '--help']);
    expect(help.stdout).toContain('用法：npm run restore -- <备份包.tar.gz> [--force]');
    const none = await run(tsx, ['src/cli/restore.ts']).then(() => 0, (e: { code: number; stderr: string }) => {
      expect(e.stderr).toContain('请给出要恢复的备份包');
      return e.code;
    });
    expect(none).toBe(2);
    const bad = await run(tsx, ['src/cli/backup.ts', '--bogus']).then(() => 0, (e: { code: number; stderr: string }) => {
      expect(e.stderr).toContain('参数有误：未知选项 --bogus');
      return e.code;
    });
    expect(bad).toBe(2);
  });
});
