import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { demoOrgFile } from '../../src/config/paths';
import type { Org } from '../../src/domain/org';
import { reloadOrg } from '../../src/main';
import { createKeys } from '../../src/store/keys';
import { OrgChannel } from '../../src/store/org-channel';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';
import { captureLogs } from '../support/log-capture';
import { startRedisCluster, type LocalCluster } from '../support/redis-cluster';
import { testPrefix, testRedis } from '../support/redis';

/**
 * /重新加载 and SIGHUP on running instances (issue 14 §3): the file is validated, published through
 * Redis, and every instance and worker switches; a bad file is refused with its problems and
 * every instance keeps the old one.
 */
interface RawOrg {
  people: { userid: string; name: string; aliases?: string[] }[];
  units: { id: string; name: string; town: string; kind: string; secretary?: string }[];
  teams: { id: string; name: string; leader: string; members: string[] }[];
}

const demoText = readFileSync(demoOrgFile(), 'utf8');
const edit = (change: (raw: RawOrg) => void): string => {
  const raw = parseYaml(demoText) as RawOrg;
  change(raw);
  return stringifyYaml(raw);
};
/** 龙凤村 added in 福禄镇 with its secretary, 陈晓燕 renamed 陈小燕, 石堰村 and its secretary 李大勇 removed. */
const edited = (raw: RawOrg) => {
  raw.people = raw.people.filter((p) => p.userid !== 'u_sec_shiyan');
  raw.people.push({ userid: 'u_sec_longfeng', name: '龙凤书记' });
  raw.people.find((p) => p.userid === 'u_sec_banzhu')!.name = '陈小燕';
  raw.units = raw.units.filter((u) => u.id !== 'shiyan');
  raw.units.push({ id: 'longfeng', name: '龙凤村', town: '福禄镇', kind: '村', secretary: 'u_sec_longfeng' });
};

const say = (t: TestApp, userId: string, chatId: string | undefined, text: string) => t.client.say({ userId, ...(chatId ? { chatId, text: `@${BOT_NAME} ${text}` } : { text }) });
const idOf = (reply: string) => Number(/已登记 \*\*#(\d+)\*\*/u.exec(reply)![1]);

/** Resolves with the next organisation the app switches to (the switch's own event, never a sleep). */
const nextOrg = (t: TestApp): Promise<Org> =>
  new Promise((resolve) => {
    const off = t.app.onOrgChange((org) => {
      off();
      resolve(org);
    });
  });

describe('/重新加载 on two instances and a worker', () => {
  const prefix = testPrefix();
  let dir: string;
  let file: string;
  let a: TestApp;
  let b: TestApp;
  let worker: TestApp;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'duban-reload-'));
    file = path.join(dir, 'org.yaml');
    await writeFile(file, demoText);
    const env = { DATA_DIR: path.join(dir, 'data') };
    a = await startTestApp({ prefix, orgFile: file, env });
    b = await startTestApp({ prefix, orgFile: file, env });
    worker = await startTestApp({ prefix, orgFile: file, env, role: 'worker' });
  });
  afterAll(async () => {
    await Promise.all([a, b, worker].map((t) => t?.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('starts every instance on one published version of the file', async () => {
    expect(a.app.orgVersion().version).toBe(1);
    expect(b.app.orgVersion()).toEqual(a.app.orgVersion());
    expect(worker.app.orgVersion()).toEqual(a.app.orgVersion());
    // The same file everywhere: nobody replaced anybody's.
    expect([...a.logs, ...b.logs, ...worker.logs].some((l) => l.msg.includes('another organisation file'))).toBe(false);
  });

  it('refuses a non-admin, and an admin outside the department chat', async () => {
    expect(await say(a, 'u_luo', 'CHAT_T1', '/重新加载')).toMatch(/^无权限：/u);
    expect(await say(a, 'u_admin', 'CHAT_T1', '/重载')).toBe('无权限：组织架构的变动会列出人员和单位，请在组织部的群或单聊督办助手中使用 /重新加载。');
    expect(a.app.orgVersion().version).toBe(1);
  });

  let orphan: number;
  it('switches every instance and names the changes and the issue needing a new assignee', async () => {
    orphan = idOf(await say(a, 'u_t1_m2', 'CHAT_T1', '/上报 石堰村 便民服务中心无人值守'));
    const kept = idOf(await say(a, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 路灯不亮'));
    await writeFile(file, edit(edited));
    const onB = nextOrg(b);
    const onWorker = nextOrg(worker);

    const reply = await say(a, 'u_admin', 'CHAT_ADMIN', '/重新加载');
    const lines = reply.split('\n');
    expect(lines[0]).toMatch(/^✅ 组织架构已重新加载并发布，所有实例和后台任务随即切换（第 2 版，[0-9a-f]{8}）$/u);
    expect(lines.slice(1, 4)).toEqual(['人员：新增 1、移除 1、改名 1', '单位：新增 1、移除 1', '工作队：成员或范围变动 1']);
    expect(reply).toContain('➕ 新增单位：龙凤村');
    expect(reply).toContain('➖ 移除单位：石堰村');
    expect(reply).toContain('✏️ 人员改名：陈晓燕 → 陈小燕');
    expect(reply).toContain('⚠️ 需要重新交办的问题（1 个；问题仍在台账中）：');
    expect(reply).toContain(`#${orphan} 石堰村（单位已不在组织架构中） 原责任人 李大勇（已不在组织架构中），请 /交办 #${orphan} @新责任人`);
    expect(reply).not.toContain(`#${kept} `);

    const [bOrg, workerOrg] = await Promise.all([onB, onWorker]);
    for (const org of [a.app.org(), bOrg, workerOrg]) {
      expect(org.unit('longfeng')?.name).toBe('龙凤村');
      expect(org.unit('shiyan')).toBeUndefined();
      expect(org.person('u_sec_banzhu')?.name).toBe('陈小燕');
    }
    expect(b.app.orgVersion()).toEqual(a.app.orgVersion());
    expect(worker.app.orgVersion()).toEqual(a.app.orgVersion());

    // B uses the new org: a report at the new unit goes to its new secretary.
    const report = await say(b, 'u_t1_m3', 'CHAT_T1', '/上报 龙凤村 公开栏未更新');
    expect(report).toContain('已登记');
    expect(report).toContain('龙凤书记');

    // The history says who published what, in order.
    const keys = createKeys(prefix);
    const history = await a.redis.xrange(keys.orgHistory, '-', '+');
    expect(history.map(([, f]) => f[f.indexOf('by') + 1])).toEqual(['start-up', 'u_admin']);
  });

  it('still shows the issue of the removed unit, and /status does not trip on it', async () => {
    const shown = await say(b, 'u_admin', 'CHAT_ADMIN', `/查看 #${orphan}`);
    expect(shown).toContain(`#${orphan}`);
    expect(shown).toContain('便民服务中心无人值守');
    // The unit is known by its id only now.
    expect(shown).toContain('shiyan');
    const status = await say(b, 'u_admin', 'CHAT_ADMIN', '/status');
    expect(status).not.toContain('出错了');
    expect(status).toContain('福禄镇');
    const single = await say(b, 'u_admin', undefined, `/查看 #${orphan}`);
    expect(single).toContain(`#${orphan}`);
    // What the reload reply tells the admin to do works.
    const assigned = await say(b, 'u_admin', 'CHAT_ADMIN', `/交办 #${orphan} @陈小燕`);
    expect(assigned).toContain('陈小燕');
    expect(assigned).not.toMatch(/^(无权限|⚠️)/u);
  });

  it('refuses a bad file with its problems, and every instance keeps the old one', async () => {
    const before = [a.app.org(), b.app.org(), worker.app.org()];
    const version = a.app.orgVersion();
    await writeFile(file, edit((raw) => (raw.teams[0]!.leader = 'u_nobody')));
    const reply = await say(a, 'u_admin', undefined, '/重新加载');
    expect(reply.split('\n')[0]).toBe('❌ 组织架构文件有 1 个问题，没有加载；原来的组织架构继续有效。');
    // Where and what, made inert for WeCom's markdown (［0］).
    expect(reply).toMatch(/第 \d+ 行 teams［0］\.leader：“u_nobody”不在人员中/);
    expect(reply).toContain(`npm run org -- check ${file}`);
    [a.app.org(), b.app.org(), worker.app.org()].forEach((org, i) => expect(org).toBe(before[i]));
    for (const t of [a, b, worker]) expect(t.app.orgVersion()).toEqual(version);
    // Nothing was published: the stored version is the old one.
    expect(await a.redis.hget(createKeys(prefix).orgCurrent, 'version')).toBe(String(version.version));
  });

  it('takes the same path on SIGHUP', async () => {
    await writeFile(file, edit((raw) => {
      edited(raw);
      raw.units.find((u) => u.id === 'longfeng')!.name = '龙凤新村';
    }));
    const onA = nextOrg(a);
    const { logger, lines } = captureLogs();
    await reloadOrg(b.app, logger);
    expect((await onA).unit('longfeng')?.name).toBe('龙凤新村');
    expect(b.app.org().unit('longfeng')?.name).toBe('龙凤新村');
    expect(lines.find((l) => l.msg === 'organisation reloaded on SIGHUP')).toMatchObject({ version: 3, units: { added: 0, removed: 0, renamed: 1 } });

    await writeFile(file, 'district: [');
    await reloadOrg(b.app, logger);
    expect(lines.some((l) => l.msg.startsWith('organisation reload refused (1 problem(s))'))).toBe(true);
    expect(b.app.org().unit('longfeng')?.name).toBe('龙凤新村');
  });

  it('lets an instance started with another file follow the one in force, with a warning, and publish nothing', async () => {
    const other = path.join(dir, 'other.yaml');
    await writeFile(other, demoText);
    const inForce = a.app.orgVersion();
    const c = await startTestApp({ prefix, orgFile: other, env: { DATA_DIR: path.join(dir, 'data') } });
    try {
      // c follows the stored (reloaded) org, not its own file; nobody else switched.
      expect(c.app.orgVersion()).toEqual(inForce);
      expect(c.app.org().unit('longfeng')?.name).toBe('龙凤新村');
      expect(c.app.org().unit('shiyan')).toBeUndefined();
      expect(a.app.orgVersion()).toEqual(inForce);
      expect(await new OrgChannel(a.redis, createKeys(prefix)).current()).toMatchObject({ version: inForce.version, hash: inForce.hash });
      const warning = c.logs.find((l) => l.msg.includes('another organisation file'));
      expect(warning).toMatchObject({ inForce: inForce.hash, version: inForce.version });
      expect(warning!.msg).toContain('/重新加载');
      expect(warning!.local).not.toBe(inForce.hash);
    } finally {
      await c.stop();
    }
  });
});

describe('after the Redis was emptied (a restore into a new one)', () => {
  it('follows the stored text though its version starts again', async () => {
    const prefix = testPrefix();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-reload-wipe-'));
    const file = path.join(dir, 'org.yaml');
    await writeFile(file, demoText);
    const env = { DATA_DIR: path.join(dir, 'data') };
    const a = await startTestApp({ prefix, orgFile: file, env });
    const b = await startTestApp({ prefix, orgFile: file, env });
    try {
      await writeFile(file, edit((raw) => raw.units.push({ id: 'u_v2', name: '第二版村', town: '福禄镇', kind: '村' })));
      await reloadOrg(a.app, captureLogs().logger);
      await b.app.syncOrg();
      expect(b.app.orgVersion().version).toBe(2);
      const keys = createKeys(prefix);
      await a.redis.del(keys.orgCurrent, keys.orgHistory);
      await writeFile(file, edit(edited));
      const onB = nextOrg(b);
      expect(await say(a, 'u_admin', 'CHAT_ADMIN', '/重新加载')).toContain('（第 1 版，');
      expect((await onB).unit('longfeng')?.name).toBe('龙凤村');
      expect(b.app.orgVersion()).toEqual(a.app.orgVersion());
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a subscription that was cut', () => {
  it('re-reads the stored org when it reconnects: an announcement made meanwhile is not lost', async () => {
    const prefix = testPrefix();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-reload-cut-'));
    const file = path.join(dir, 'org.yaml');
    await writeFile(file, demoText);
    const b = await startTestApp({ prefix, orgFile: file, env: { DATA_DIR: path.join(dir, 'data') } });
    const redis = testRedis();
    try {
      const clients = (await redis.client('LIST')) as string;
      const ids = clients.split('\n').filter((l) => l.includes(` name=${prefix}org-sub `)).map((l) => /^id=(\d+)/u.exec(l)![1]!);
      expect(ids).toHaveLength(1);
      const onB = nextOrg(b);
      // Cut, then publish at once: the client waits 200 ms before it reconnects, so it is not subscribed when this is announced.
      await redis.client('KILL', 'ID', ids[0]!);
      await new OrgChannel(redis, createKeys(prefix)).publish({ yaml: edit(edited), hash: 'published-while-cut', source: 'test' }, 'test', Date.now(), false);
      expect((await onB).unit('longfeng')?.name).toBe('龙凤村');
      expect(b.logs.find((l) => l.msg === 'organisation switched')).toMatchObject({ why: 'reconnect', hash: 'published-while-cut', version: 2 });
    } finally {
      await Promise.all([b.stop(), redis.quit()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a published org that does not read on one instance', () => {
  it('is refused there with an error log, the old one staying', async () => {
    const prefix = testPrefix();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-reload-env-'));
    const file = path.join(dir, 'org.yaml');
    const withKey = (raw: RawOrg & { chats?: { chatid: string; webhookKey?: string }[] }) => {
      raw.chats!.find((c) => c.chatid === 'CHAT_T1')!.webhookKey = 'env:T1_ROBOT_KEY';
    };
    await writeFile(file, demoText);
    const env = { DATA_DIR: path.join(dir, 'data') };
    const a = await startTestApp({ prefix, orgFile: file, env, orgEnv: { T1_ROBOT_KEY: 'key-on-a' } });
    const b = await startTestApp({ prefix, orgFile: file, env });
    const redis = testRedis();
    try {
      await writeFile(file, edit(withKey as (raw: RawOrg) => void));
      const reply = await say(a, 'u_admin', 'CHAT_ADMIN', '/重新加载');
      expect(reply).toContain('第 2 版');
      expect(a.app.org().chat('CHAT_T1')?.webhookKey).toBe('key-on-a');
      // B has no T1_ROBOT_KEY: it cannot use that text and says so, keeping the old org.
      await b.app.syncOrg();
      expect(b.logs.find((l) => l.msg.startsWith('published organisation refused here'))?.error).toContain('T1_ROBOT_KEY');
      expect(b.app.org().chat('CHAT_T1')?.webhookKey).toBeUndefined();
    } finally {
      await Promise.all([a.stop(), b.stop(), redis.quit()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('/重新加载 on a Redis Cluster', () => {
  let cluster: LocalCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 30_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('publishes from one instance and the other switches (the script and the subscription work across masters)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-reload-cluster-'));
    const file = path.join(dir, 'org.yaml');
    await writeFile(file, demoText);
    const common = { prefix: 'orgcl:', redisUrl: cluster!.url, orgFile: file, env: { DATA_DIR: path.join(dir, 'data'), RUN_WORKERS: 'false' } };
    const a = await startTestApp(common);
    const b = await startTestApp(common);
    try {
      await writeFile(file, edit(edited));
      const onB = nextOrg(b);
      expect(await say(a, 'u_admin', 'CHAT_ADMIN', '/重新加载')).toContain('➕ 新增单位：龙凤村');
      expect((await onB).unit('longfeng')?.name).toBe('龙凤村');
      expect(b.app.orgVersion()).toEqual(a.app.orgVersion());
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
