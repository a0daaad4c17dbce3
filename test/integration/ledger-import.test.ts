import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { nextSlot } from '../../jobs/timers/slots';
import { reminderJobId, revisitJobId } from '../../jobs/timers/timer-jobs';
import { ledgerMain } from '../../src/cli/ledger';
import { officialCalendar } from '../../src/parsing/deadline';
import { revisitAt } from '../../src/domain/revisit';
import { demoOrgFile, packageRoot } from '../../src/config/paths';
import { OrgChannel } from '../../src/store/org-channel';
import { MERGED_HINT } from '../../src/import/ledger-rows';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { demoOrg } from '../support/app';
import { generateSeedLedger, writeLedgerWorkbook, type GeneratedLedger } from '../support/ledger-workbook';
import { keysWithPrefix, testPrefix, testRedis, testRedisUrl } from '../support/redis';

/**
 * `npm run ledger -- import` (issue 14 §4): a generated 1 000-row 台账 with a title row and 30
 * bad rows of each kind, dry run, --apply, a second --apply, the reminders left in BullMQ's
 * delayed set for the running bot, --map; in-process against the test Redis, and once as a child.
 */
const NOW = Date.parse('2026-06-10T10:00:00+08:00');
const FIRST_DATA_ROW = 3; // a title row, then the header row
const BAD_EVERY = 8; // 125 bad rows in 1 000: 31 or 32 of each kind

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], prefix: string, now = NOW): Promise<Run> {
  let out = '';
  let err = '';
  const stdout = new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) });
  const stderr = Object.assign(new Writable({ write: (c: Buffer, _e, done) => ((err += c.toString()), done()) }), { isTTY: false }) as unknown as NodeJS.WriteStream;
  const saved = { ...process.env };
  Object.assign(process.env, { REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' });
  delete process.env.ORG_FILE;
  try {
    const code = await ledgerMain(argv, { stdout, stderr, now: () => now });
    return { code, out, err };
  } finally {
    process.env = saved;
  }
}

/** The row numbers listed under 不能导入的行. */
function badRowsIn(out: string): number[] {
  const tail = out.slice(out.indexOf('不能导入的行'));
  return [...new Set([...tail.matchAll(/^ {2}第(\d+)行 /gm)].map((m) => Number(m[1])))].sort((a, b) => a - b);
}

describe('npm run ledger -- import', () => {
  const org = demoOrg();
  let dir: string;
  let file: string;
  let ledger: GeneratedLedger;
  let redis: Redis;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'duban-import-'));
    file = path.join(dir, 'ledger.xlsx');
    ledger = generateSeedLedger(org, 1000, BAD_EVERY);
    await writeLedgerWorkbook(file, ledger.rows);
    redis = testRedis();
  });
  afterAll(async () => {
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  const rowOf = (i: number) => i + FIRST_DATA_ROW;
  const indicesOf = (...kinds: string[]) => ledger.kinds.flatMap((k, i) => (kinds.includes(k) ? [i] : []));

  it('dry run: lists exactly the bad rows, by number and value, and writes nothing', async () => {
    const prefix = testPrefix();
    const r = await run(['import', file], prefix);
    expect(r.code).toBe(1);
    const bad = indicesOf('bad-unit', 'bad-date', 'no-description', 'bad-person');
    expect(bad.length).toBe(125);
    for (const kind of ['bad-unit', 'bad-date', 'no-description', 'bad-person']) expect(indicesOf(kind).length).toBeGreaterThanOrEqual(30);
    expect(badRowsIn(r.out)).toEqual(bad.map(rowOf));
    const good = 1000 - bad.length;
    expect(r.out).toContain(`读取 1000 行：可导入 ${good} 行，不能导入 125 行`);
    expect(r.out).toContain(`试运行，未写入：将新建 ${good} 条`);
    const [unit, date, empty, person] = ['bad-unit', 'bad-date', 'no-description', 'bad-person'].map((k) => indicesOf(k)[0]!);
    expect(r.out).toContain(`第${rowOf(unit!)}行 责任单位“不存在村${unit}”不在组织架构中`);
    expect(r.out).toContain(`第${rowOf(date!)}行 发现时间“2026-13-45”不是日期（例如 2026-03-05）`);
    expect(r.out).toContain(`第${rowOf(empty!)}行 问题描述为空`);
    expect(r.out).toContain(`第${rowOf(person!)}行 发现人“查无此人${person}”不在人员名单中`);
    expect(r.out).toMatch(/按状态：整改中 \d+（其中逾期 \d+），已销号 \d+；长期坚持（不设期限）\d+/);
    expect(r.err).toContain('已读 1000 行（100%）');
    expect(await keysWithPrefix(redis, prefix)).toEqual([]);
  });

  it('--apply creates the good rows through the ledger, audited as 导入, queues their reminders, and a second run creates nothing', async () => {
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    const store = new LedgerStore(redis, keys);
    const good = ledger.kinds.flatMap((k, i) => (k.startsWith('bad') || k === 'no-description' ? [] : [i]));

    const first = await run(['import', file, '--apply'], prefix);
    expect(first.code).toBe(1); // the bad rows are listed, the good ones created
    expect(first.out).toContain(`${good.length} 条新建，0 条已导入过`);
    expect(badRowsIn(first.out)).toEqual(indicesOf('bad-unit', 'bad-date', 'no-description', 'bad-person').map(rowOf));
    expect(Number(await redis.get(keys.issueSeq))).toBe(good.length);
    expect(await redis.zcard(keys.byState('closed'))).toBe(indicesOf('closed').length);

    // Issues are numbered in row order: the k-th good row is #k+1.
    const idOfRow = new Map(good.map((i, k) => [i, k + 1]));
    const closedRow = indicesOf('closed')[0]!;
    const closed = (await store.get(idOfRow.get(closedRow)!))!;
    expect(closed.state).toBe('closed');
    expect(closed.fixNote).toBe(ledger.rows[closedRow]!.整改情况);
    expect(closed.description).toBe(ledger.rows[closedRow]!.问题描述);
    const history = await store.history(closed.id);
    expect(history).toEqual([expect.objectContaining({ action: 'import', from: null, to: 'closed', note: `台账 ledger.xlsx 第${rowOf(closedRow)}行`, actor: 'u_admin' })]);

    const openRow = indicesOf('open')[0]!;
    const open = (await store.get(idOfRow.get(openRow)!))!;
    const unit = org.units.find((u) => u.name === ledger.rows[openRow]!.责任单位)!;
    expect(open).toMatchObject({ state: 'assigned', unitId: unit.id, assignee: unit.secretary });
    expect(open.deadline).toBeDefined();
    const ongoing = (await store.get(idOfRow.get(indicesOf('ongoing')[0]!)!))!;
    expect(ongoing.state).toBe('assigned');
    expect(ongoing.deadline).toBeUndefined();

    // The reminders of the open issues whose deadline is ahead, and the 回头看 still ahead: in BullMQ's delayed set.
    const issues = await store.getMany(good.map((_, k) => k + 1));
    const expected = new Map<string, number>();
    for (const i of issues) {
      if (i.state === 'assigned' && i.deadline !== undefined && i.deadline > NOW) {
        const slot = nextSlot(i.deadline, org.policy, NOW, true)!;
        expected.set(reminderJobId(i.id, i.deadline, slot.index), slot.fireAt - NOW);
      }
      if (i.state === 'closed' && revisitAt(i.closedAt!, org.policy, officialCalendar) > NOW) expected.set(revisitJobId(i.id, i.closedAt!), revisitAt(i.closedAt!, org.policy, officialCalendar) - NOW);
    }
    expect(expected.size).toBeGreaterThan(100);
    const delayedKey = `${keys.bullPrefix}:timers:delayed`;
    expect((await redis.zrange(delayedKey, '0', '-1')).sort()).toEqual([...expected.keys()].sort());
    const sample = [...expected].filter((_, n) => n % 50 === 0);
    const delays = await Promise.all(sample.map(([id]) => redis.hget(`${keys.bullPrefix}:timers:${id}`, 'delay')));
    expect(delays.map(Number)).toEqual(sample.map(([, delay]) => delay));

    const second = await run(['import', file, '--apply'], prefix);
    expect(second.out).toContain(`0 条新建，${good.length} 条已导入过`);
    expect(Number(await redis.get(keys.issueSeq))).toBe(good.length);
    expect(await redis.zcard(delayedKey)).toBe(expected.size);
    const dry = await run(['import', file], prefix);
    expect(dry.out).toContain(`将新建 0 条（另有 ${good.length} 条已导入过）`);
  });

  it('two imports of one file at once create each row once (the fingerprint is checked in the create script)', async () => {
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    const sink = () => Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: false }) as unknown as NodeJS.WriteStream;
    const saved = { ...process.env };
    Object.assign(process.env, { REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' });
    delete process.env.ORG_FILE;
    let outs: string[];
    try {
      outs = ['', ''];
      await Promise.all(
        outs.map((_, k) => {
          const stdout = new Writable({ write: (c: Buffer, _e, done) => ((outs[k] += c.toString()), done()) });
          return ledgerMain(['import', file, '--apply'], { stdout, stderr: sink(), now: () => NOW });
        }),
      );
    } finally {
      process.env = saved;
    }
    const good = ledger.kinds.filter((k) => k === 'open' || k === 'closed' || k === 'ongoing').length;
    const counts = outs.map((o) => /^(\d+) 条新建，(\d+) 条已导入过/m.exec(o)!.slice(1).map(Number));
    expect(counts[0]![0]! + counts[1]![0]!).toBe(good);
    expect(counts[0]![1]! + counts[1]![1]!).toBe(good);
    const stored = await Promise.all((['assigned', 'reported', 'closed'] as const).map((st) => redis.zcard(keys.byState(st))));
    expect(stored.reduce((a, b) => a + b, 0)).toBe(good);
    expect(await redis.hlen(keys.importRows)).toBe(good);
  });

  it('--map names a column the importer does not know', async () => {
    const prefix = testPrefix();
    const small = path.join(dir, 'mapped.xlsx');
    const headers = ['责任单位', '反馈问题', '整改期限', '发现时间', '是否整改'];
    await writeLedgerWorkbook(
      small,
      [
        { 责任单位: '斑竹村', 反馈问题: '公示栏破损', 整改期限: '2026-07-01', 发现时间: '2026-05-01', 是否整改: '否' },
        { 责任单位: '福禄镇龙井村', 反馈问题: '道路积水', 整改期限: '长期坚持', 发现时间: '5月3日', 是否整改: '整改中' },
        { 责任单位: '石堰', 反馈问题: '台账缺失', 整改期限: '2026.6.30', 发现时间: '2026-05-04', 是否整改: '已完成' },
        { 责任单位: '斑竹材', 反馈问题: '错别字的单位', 整改期限: '2026-07-01', 发现时间: '2026-05-05', 是否整改: '否' },
      ],
      { headers },
    );
    const unmapped = await run(['import', small], prefix);
    expect(unmapped.code).toBe(1);
    expect(unmapped.out).toContain('未使用的列：反馈问题');
    expect(badRowsIn(unmapped.out)).toEqual([3, 4, 5, 6]);
    expect(unmapped.out).toContain('第3行 问题描述为空');

    const mapped = await run(['import', small, '--map', '反馈问题=问题描述', '--apply'], prefix);
    expect(mapped.code).toBe(1);
    expect(mapped.out).toContain('3 条新建，0 条已导入过');
    expect(badRowsIn(mapped.out)).toEqual([6]);
    expect(mapped.out).toContain('第6行 责任单位“斑竹材”不在组织架构中，是不是：斑竹村');
    const store = new LedgerStore(redis, createKeys(prefix));
    const [a, b, c] = await store.getMany([1, 2, 3]);
    expect(a).toMatchObject({ unitId: 'banzhu', description: '公示栏破损', state: 'assigned', deadline: Date.parse('2026-07-01T23:59:59.999+08:00') });
    expect(b).toMatchObject({ unitId: 'longjing', createdAt: Date.parse('2026-05-03T00:00:00+08:00') });
    expect(b!.deadline).toBeUndefined();
    // Its deadline is still ahead: closed at 发现时间 (the sheet has no closing date).
    expect(c).toMatchObject({ unitId: 'shiyan', state: 'closed', closedAt: Date.parse('2026-05-04T00:00:00+08:00'), fixNote: '已整改（台账导入）' });

    const wrong = await run(['import', small, '--map', '反馈问题'], prefix).catch((e: Error) => e);
    expect(wrong).toBeInstanceOf(Error);
    expect((wrong as Error).message).toContain('--map 反馈问题=问题描述');
  });

  it('as a child process: exit 1 with bad rows, 2 on a usage error', () => {
    const prefix = testPrefix();
    const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent', TZ: 'Asia/Shanghai' };
    delete env.ORG_FILE;
    const cli = path.join(packageRoot(), 'src', 'cli', 'ledger.ts');
    const tsx = path.join(packageRoot(), 'node_modules', '.bin', 'tsx');
    const dry = spawnSync(tsx, [cli, 'import', file], { env, encoding: 'utf8', timeout: 60_000 });
    expect(dry.status).toBe(1);
    expect(dry.stdout).toContain('不能导入的行（125 行）');
    expect(dry.stderr).toMatch(/已读 1000 行（100%）/);
    const usage = spawnSync(tsx, [cli, 'import', file, '--bogus'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('不认识的选项“--bogus”');
    const missing = spawnSync(tsx, [cli, 'import', path.join(dir, 'nope.xlsx')], { env, encoding: 'utf8', timeout: 60_000 });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('找不到文件');
  }, 60_000);

  it('a second --apply on another day creates nothing, rows without 发现时间 included', async () => {
    const prefix = testPrefix();
    const small = path.join(dir, 'undated.xlsx');
    await writeLedgerWorkbook(small, [
      { 责任单位: '斑竹村', 问题描述: '公示栏破损', 整改期限: '2026-07-01', 是否整改: '否' },
      { 责任单位: '石堰村', 问题描述: '台账缺失', 是否整改: '已整改', 整改情况: '已补齐' },
      { 责任单位: '斑竹村', 问题描述: '路灯不亮', 发现时间: '2026-05-02', 是否整改: '否' },
    ]);
    // Named as typed in the folder it is in (npm run starts in the package root and sets INIT_CWD).
    const cwd = process.env.INIT_CWD;
    process.env.INIT_CWD = dir;
    let first: Run;
    try {
      first = await run(['import', 'undated.xlsx', '--apply'], prefix);
    } finally {
      if (cwd === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = cwd;
    }
    expect(first.code).toBe(0);
    expect(first.out).toContain('3 条新建，0 条已导入过');
    const nextDay = await run(['import', small, '--apply'], prefix, NOW + 86_400_000);
    expect(nextDay.out).toContain('0 条新建，3 条已导入过');
    const weekLater = await run(['import', small], prefix, NOW + 7 * 86_400_000);
    expect(weekLater.out).toContain('将新建 0 条（另有 3 条已导入过）');
    expect(Number(await redis.get(createKeys(prefix).issueSeq))).toBe(3);
  });

  it('hints at a merged 责任单位, takes 类别 as the checklist names it, and keeps the chat\'s length limits', async () => {
    const prefix = testPrefix();
    const small = path.join(dir, 'merged.xlsx');
    const headers = ['镇街', '责任单位', '问题描述', '类别', '是否整改', '整改情况'];
    await writeLedgerWorkbook(
      small,
      [
        { 镇街: '福禄镇', 责任单位: '斑竹村', 问题描述: '垃圾清运不及时', 类别: '人居环境', 是否整改: '否' },
        { 问题描述: '公示栏破损', 类别: 'A10', 是否整改: '否' },
        { 责任单位: '斑竹村', 问题描述: '会议记录不全', 类别: '开会', 是否整改: '否' },
        { 责任单位: '斑竹村', 问题描述: '长'.repeat(501), 是否整改: '否' },
        { 责任单位: '斑竹村', 问题描述: '制度未上墙', 是否整改: '已整改', 整改情况: '好'.repeat(1001) },
      ],
      { headers },
    );
    const r = await run(['import', small, '--apply'], prefix);
    expect(r.code).toBe(1);
    expect(badRowsIn(r.out)).toEqual([4, 5, 6, 7]);
    expect(r.out).toContain(`第4行 责任单位为空${MERGED_HINT}`);
    expect(r.out).toMatch(/第5行 类别“开会”不在检查项目中/);
    expect(r.out).toContain('第6行 问题描述请控制在 500 字以内（现在 501 字）');
    expect(r.out).toContain('第7行 整改情况请控制在 1000 字以内（现在 1001 字）');
    expect(r.out).toContain('1 条新建');
    const issue = await new LedgerStore(redis, createKeys(prefix)).get(1);
    expect(issue).toMatchObject({ unitId: 'banzhu', category: '环境治理' });
  });

  it('places rows in the organisation in force in Redis, not ORG_FILE, and says when the two differ', async () => {
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    // In force: the demo organisation with 斑竹村 renamed 斑竹社区 (a /重新加载 of an edited file).
    const yaml = readFileSync(demoOrgFile(), 'utf8').replace('name: 斑竹村,', 'name: 斑竹社区,');
    expect(yaml).toContain('斑竹社区');
    await new OrgChannel(redis, keys).publish({ yaml, hash: 'in-force-hash', source: '/srv/duban/org.yaml' }, 'u_admin', NOW, false);
    const small = path.join(dir, 'renamed.xlsx');
    await writeLedgerWorkbook(small, [
      { 责任单位: '斑竹社区', 问题描述: '公示栏破损', 是否整改: '否' },
      { 责任单位: '龙井村', 问题描述: '道路积水', 是否整改: '否' },
    ]);
    const r = await run(['import', small], prefix);
    expect(r.out).toContain('组织架构：正在使用的第 1 版（org.yaml）');
    expect(r.out).toContain('ORG_FILE 与正在使用的组织架构不同，按正在使用的导入；如需按新文件导入，请先 /重新加载');
    expect(r.code).toBe(0);
    expect(r.out).toContain('可导入 2 行，不能导入 0 行');

    const none = await run(['import', small], testPrefix());
    expect(none.out).toContain('组织架构：ORG_FILE');
    expect(none.out).toContain('第3行 责任单位“斑竹社区”不在组织架构中');
  });
});
