import { createKeys } from '../../src/store/keys';
import { createRedis } from '../../src/store/redis';
import { BOT_NAME, demoOrgWith, startTestApp, type TestApp } from '../support/app';
import { FakeWecom, type RobotMessage } from '../support/fake-wecom';
import { startRedisCluster, type LocalCluster } from '../support/redis-cluster';

/**
 * Scale-out on a real Redis Cluster (issue #5): three masters on loopback, two app instances
 * taking callbacks and a separate worker, all through ioredis's Cluster client. The ledger's
 * script keys share one hash slot, BullMQ's prefix is hash-tagged, the rest spreads.
 */
// Fixed msgids and prefix: which master a callback's record lands on is then the same every run.
let sent = 0;
const say = (t: TestApp, userId: string, chatId: string, text: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}`, msgid: `cluster-${++sent}` });
const idOf = (reply: string) => Number(/已登记 \*\*#(\d+)\*\*/.exec(reply)?.[1]);

describe('two app instances and a worker on a three-master Redis Cluster', () => {
  let cluster: LocalCluster | undefined;
  const fake = new FakeWecom();
  const running: TestApp[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    await fake.start();
  }, 30_000);
  afterAll(async () => {
    for (const t of running.splice(0)) await t.stop();
    await fake.stop();
    await cluster?.stop();
  });

  it('runs the loop end to end, pushes each reminder once, answers /status, and spreads the keys', async () => {
    const prefix = 'cl:'; // the cluster is this test's own
    const keys = createKeys(prefix);
    const org = demoOrgWith({ quietHours: 'off', deadline: '3s', remindBefore: ['2s'], escalate: [] });
    const common = { org, redisUrl: cluster!.url, prefix, env: { WECOM_API_BASE: fake.url, RUN_WORKERS: 'false' }, jobTimings: { backoffMs: 50, throttleMs: 200 } };
    const a = await startTestApp(common);
    running.push(a);
    const b = await startTestApp(common);
    running.push(b);
    const worker = await startTestApp({ ...common, role: 'worker' });
    running.push(worker);

    // 发现/交办 on A, 整改 on B, 销号 on A, 查看 and /status on B: one ledger across instances.
    const reported = await say(a, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 闸阀老化漏水 期限:1小时');
    const id = idOf(reported);
    expect(reported).toContain(`📌 已登记 **#${id}** 福禄镇斑竹村：闸阀老化漏水`);
    expect(await say(b, 'u_sec_banzhu', 'CHAT_T1', `/整改 #${id} 已更换闸阀`)).toContain(`✅ **#${id}** 福禄镇斑竹村 已反馈整改，状态：待核验`);
    expect(await say(a, 'u_t1_m3', 'CHAT_T1', `/销号 #${id}`)).toContain(`☑️ **#${id}** 福禄镇斑竹村 已销号`);
    const card = await say(b, 'u_luo', 'CHAT_T1', `/查看 #${id}`);
    expect(card).toContain(`**#${id} 福禄镇斑竹村**（已销号）`);
    expect(card).toMatch(/反馈整改 → 待核验：已更换闸阀/);

    // Reminders: issues due in 3 s, reported on both instances, pushed by the separate worker.
    const due = [idOf(await say(a, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 路灯不亮')), idOf(await say(b, 'u_t2_m2', 'CHAT_T2', '/上报 喜观村 道路破损'))];
    expect(due.every((n) => n > id)).toBe(true);
    const isReminder = (m: RobotMessage) => m.content.startsWith('⏰ 整改提醒');
    await fake.waitFor((m) => m.filter(isReminder).length >= due.length, 15_000);
    const status = await say(b, 'u_luo', 'CHAT_T1', '/status');
    expect(status).toContain('**第一工作队 · 累计**');
    expect(status).toMatch(/发现 2　已销号 1　逾期 0\n整改中 1　/);

    // Every instance is done with its work: the worker drained both queues. Then count.
    const redis = createRedis(cluster!.url);
    try {
      await redis.connect();
      const reminders = fake.messages.filter(isReminder);
      expect(reminders.map((m) => /#(\d+)/.exec(m.content)?.[1]).sort()).toEqual(due.map(String).sort());
      expect(reminders.map((m) => m.key).sort()).toEqual(['KEY_CHAT_T1', 'KEY_CHAT_T2']);
      expect(await redis.hget(keys.issue(id), 'state')).toBe('closed');

      // Where the keys live: the ledger in one slot with the records of the callbacks that changed
      // it (a commit and its reply record are one script), BullMQ in one slot.
      const node = cluster!.node(cluster!.ports[0]!);
      const slot = async (key: string) => Number(await node.cluster('KEYSLOT', key));
      const ledgerSlots = await Promise.all([keys.issue(id), keys.auditAll, keys.audit(id), keys.unitStats('banzhu'), keys.deadlines, keys.byTeam('t1'), keys.issueSeq].map(slot));
      expect(new Set(ledgerSlots).size).toBe(1);
      expect(await slot(`${keys.bullPrefix}:outbound:wait`)).toBe(await slot(`${keys.bullPrefix}:timers:delayed`));
      const perNode = await Promise.all(
        cluster!.ports.map(async (port) => {
          const node = cluster!.node(port);
          const [, found] = await node.scan('0', 'MATCH', `${prefix}{ledger}:msg:*`, 'COUNT', 10_000);
          return found.length;
        }),
      );
      // The five callbacks that changed something (/上报 ×3, /整改, /销号) are recorded once
      // each; /查看 and /status only read, so they leave no record.
      expect(perNode.reduce((s, n) => s + n, 0)).toBe(5);
      expect(perNode.filter((n) => n > 0).length).toBe(1);
      expect(await slot(`${prefix}{ledger}:msg:x`)).toBe(ledgerSlots[0]);
    } finally {
      await redis.quit();
    }
  }, 40_000);
});
