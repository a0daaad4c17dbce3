import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { actorFor } from '../../src/domain/actor';
import type { Evidence, Issue } from '../../src/domain/issue';
import { apply, createIssue, isRefusal, type Action, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import { DAY_MS } from '../../src/domain/time';
import { fixedClock } from '../../src/clock';
import { EvidenceFiles } from '../../src/store/evidence-files';
import { EvidenceStore } from '../../src/store/evidence-store';
import { createKeys, type Keys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { scanLedgerRecords } from '../../src/store/ledger-scan';
import { bullConnection } from '../../src/store/redis';
import { createEvidenceClient, evidenceDeadLetters, evidenceJobId } from '../../jobs/evidence/evidence-jobs';
import type { EvidenceOrder } from '../../jobs/evidence/evidence-order';
import { parseMediaHosts, type MediaHostRule } from '../../jobs/evidence/media-hosts';
import { processEvidence, type EvidenceJobDeps } from '../../jobs/evidence/process-evidence';
import { demoOrg, TEST_AES_KEY } from '../support/app';
import { encryptMedia, jpeg } from '../support/evidence-media';
import { FakeWecom } from '../support/fake-wecom';
import { captureLogs } from '../support/log-capture';
import { testPrefix, testRedis, testRedisUrl } from '../support/redis';
import { pollUntil } from '../support/wait';

/**
 * The evidence download job and the evidence store on the real test Redis, against the fake
 * WeCom's media links: every way an entry can end, and that it always ends (docs/design.md §6.6).
 */
const org = demoOrg();
const T0 = Date.parse('2026-12-02T10:00:00+08:00');
const SECRETARY = 'u_sec_banzhu';
const LEADER = 'u_luo';
const LOOPBACK = parseMediaHosts('http://127.0.0.1') as MediaHostRule[];

let redis: Redis;
let wecom: FakeWecom;
let keys: Keys;
let ledger: LedgerStore;
let store: EvidenceStore;
let dataDir: string;
const clock = fixedClock(new Date(T0).toISOString());

beforeAll(async () => {
  redis = testRedis();
  wecom = new FakeWecom();
  await wecom.start();
});
afterAll(async () => {
  await wecom.stop();
  await redis.quit();
});
beforeEach(async () => {
  keys = createKeys(testPrefix());
  ledger = new LedgerStore(redis, keys);
  store = new EvidenceStore(redis, keys, ledger);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'duban-evidence-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function must(r: Outcome | Refusal): Outcome {
  if (isRefusal(r)) throw new Error(`refused: ${JSON.stringify(r)}`);
  return r;
}

async function report(): Promise<Issue> {
  const id = await ledger.nextId();
  const out = must(
    createIssue(
      { id, unitId: 'banzhu', teamIds: ['t1'], description: '闸阀漏水', homeChat: 'CHAT_T1', deadline: T0 + 7 * DAY_MS, evidence: [], assignee: SECRETARY },
      actorFor(org, 'u_t1_m2', 'banzhu'),
      T0,
    ),
  );
  expect(await ledger.commit(undefined, out, 'u_t1_m2', T0)).toBe(true);
  return out.issue;
}

async function act(id: number, action: Action, who: string, at = T0): Promise<Issue> {
  const before = (await ledger.get(id))!;
  const out = must(apply(before, action, actorFor(org, who, before.unitId), at));
  expect(await ledger.commit(before, out, who, at)).toBe(true);
  return out.issue;
}

/** An issue with a fix of `count` photos from message `msgid`, and the orders of those photos (served by the fake). */
async function fixed(count: number, serve: (i: number) => string = () => wecom.serveMedia(encryptMedia(jpeg(), TEST_AES_KEY))): Promise<{ issue: Issue; orders: EvidenceOrder[] }> {
  const issue = await report();
  const msgid = `msg-${issue.id}`;
  const evidence: Evidence[] = Array.from({ length: count }, (_, index) => ({ kind: 'image', msgid, index, at: T0 }));
  await act(issue.id, { type: 'fix', note: '已更换', evidence }, SECRETARY);
  const orders = evidence.map((e): EvidenceOrder => ({ issueId: issue.id, msgid, index: e.index, kind: 'image', transport: 'webhook', url: serve(e.index), by: SECRETARY, at: T0 }));
  return { issue, orders };
}

function deps(over: Partial<EvidenceJobDeps> = {}): EvidenceJobDeps {
  return { store, files: new EvidenceFiles(dataDir), callbackKey: TEST_AES_KEY, hosts: LOOPBACK, clock, logger: captureLogs().logger, ...over };
}

/** A job as BullMQ hands it over: attempt `attempt` (1-based) of 4. */
const attemptOf = (data: unknown, attempt: number) => ({ data, attemptsMade: attempt - 1, opts: { attempts: 4 } });
const outcomeOf = async (id: number, index = 0) => {
  const e = (await ledger.get(id))!.evidence[index]!;
  return e.stored ? `stored:${e.stored.type}` : e.failed ? e.failed.reason : 'saving';
};

describe('the outcome of an entry in the ledger', () => {
  it('keeps the 台账’s 核验人 when the photos settle after 销号: outcomes stay out of the issue’s steps', async () => {
    const { issue, orders } = await fixed(2);
    await act(issue.id, { type: 'verify' }, LEADER, T0 + 1000);
    for (const o of orders) await store.record(issue.id, o.msgid, o.index, { failed: { reason: 'expired' } }, SECRETARY, T0 + 2000);
    const rows = [];
    for await (const batch of scanLedgerRecords(redis, keys, { unitIds: ['banzhu'] })) rows.push(...batch);
    expect(rows.map((r) => [r.issue.id, r.verifier])).toEqual([[issue.id, LEADER]]);
    expect((await ledger.history(issue.id)).map((h) => h.action)).toEqual(['report', 'fix', 'verify']);
    // Still on the district stream, with the reason, and in the entries.
    const stream = (await redis.xrange(keys.auditAll, '-', '+')).map(([, f]) => f.join(' '));
    expect(stream.filter((f) => f.includes('evidence-failed') && f.includes('reason expired'))).toHaveLength(2);
    expect(rows[0]!.issue.evidence.map((e) => e.failed?.reason)).toEqual(['expired', 'expired']);
  });

  it('settles an entry once in Redis, even when two recordings pass the first check together', async () => {
    const { issue, orders } = await fixed(1);
    const o = orders[0]!;
    const results = await Promise.all([
      store.record(issue.id, o.msgid, 0, { failed: { reason: 'expired' } }, SECRETARY, T0),
      store.record(issue.id, o.msgid, 0, { failed: { reason: 'too-large' } }, SECRETARY, T0),
    ]);
    expect(results.sort()).toEqual(['already', 'recorded']);
    expect(await redis.get(keys.issueHistory(issue.id))).toMatch(/^e[^\n]*\no[^\n]*\n$/u);
    expect((await redis.xrange(keys.auditAll, '-', '+')).filter(([, f]) => f.includes('evidence-failed'))).toHaveLength(1);
  });
});

describe('the download job', () => {
  it('records a file it cannot write as not kept on the last attempt, and retries it before', async () => {
    const { issue, orders } = await fixed(1);
    // DATA_DIR/evidence is a file: every write there fails, as on a full or read-only disk.
    await writeFile(path.join(dataDir, 'evidence'), 'not a directory');
    await expect(processEvidence(attemptOf(orders[0], 1), deps())).rejects.toThrow(/EEXIST|ENOTDIR/u);
    expect(await outcomeOf(issue.id)).toBe('saving');
    expect(await processEvidence(attemptOf(orders[0], 4), deps())).toBe('failed');
    expect(await outcomeOf(issue.id)).toBe('storage');
  });

  it('gives up on a download that hangs at its timeout: retried, then recorded as unreachable', async () => {
    const { issue, orders } = await fixed(1, () => wecom.serveMedia(Buffer.alloc(64), [], { mode: 'hang' }));
    const started = Date.now();
    await expect(processEvidence(attemptOf(orders[0], 1), deps({ timeoutMs: 300 }))).rejects.toThrow(/timed out/u);
    expect(await processEvidence(attemptOf(orders[0], 4), deps({ timeoutMs: 300 }))).toBe('failed');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await outcomeOf(issue.id)).toBe('unreachable');
  });

  it('refuses past 10 MB however the body comes: chunked, or longer than its Content-Length', async () => {
    const big = encryptMedia(Buffer.concat([jpeg(), Buffer.alloc(10 * 1024 * 1024 + 64, 1)]), TEST_AES_KEY);
    const { issue, orders } = await fixed(2, (i) => wecom.serveMedia(big, [], { mode: i === 0 ? 'chunked' : 'short-length' }));
    for (const o of orders) await processEvidence(attemptOf(o, 1), deps());
    expect(await outcomeOf(issue.id, 0)).toBe('too-large');
    // The header said 64 bytes: those are all that is read, and 64 bytes of a photo are never kept as it.
    expect(await outcomeOf(issue.id, 1)).toBe('undecryptable');
    expect(await readdir(path.join(dataDir, 'evidence')).catch(() => [])).toEqual([]);
  });

  it('fetches only https links to the listed hosts (http only where listed so), redirects checked hop by hop', async () => {
    const ok = encryptMedia(jpeg(), TEST_AES_KEY);
    const served = wecom.serveMedia(ok);
    const elsewhere = served.replace('127.0.0.1', 'localhost');
    const links = [
      'data:image/jpeg;base64,/9j/4AAQ',
      elsewhere,
      wecom.serveMedia(ok, [], { mode: 'redirect', location: elsewhere }),
      wecom.serveMedia(ok, [], { mode: 'redirect', location: served }),
      served.replace('http://127.0.0.1', 'http://evil.myqcloud.com'),
    ];
    const { issue, orders } = await fixed(links.length, (i) => links[i]!);
    for (const o of orders) await processEvidence(attemptOf(o, 1), deps({ hosts: [...LOOPBACK, ...(parseMediaHosts('*.myqcloud.com') as MediaHostRule[])] }));
    const outcomes = await Promise.all(links.map((_, i) => outcomeOf(issue.id, i)));
    expect(outcomes).toEqual(['foreign-host', 'foreign-host', 'foreign-host', 'stored:jpeg', 'foreign-host']);
    // Nothing was fetched from a host off the list: only the two redirects and the one download.
    expect(wecom.media.get(served.split('/').pop()!)!.downloads).toBe(1);
    expect(wecom.unexpected).toEqual([]);
  });

  it('clears the link and key from a settled job in BullMQ', async () => {
    const bull = bullConnection(testRedisUrl(), 'queue');
    const queue = new Queue('evidence', { connection: bull.connection, prefix: keys.bullPrefix });
    try {
      const { issue, orders } = await fixed(1);
      const order = { ...orders[0]!, aesKey: TEST_AES_KEY };
      await queue.add('evidence', order, { jobId: evidenceJobId(order) });
      const job = (await queue.getJob(evidenceJobId(order)))!;
      expect(await processEvidence(job, deps())).toBe('stored');
      expect(await outcomeOf(issue.id)).toBe('stored:jpeg');
      const kept = (await queue.getJob(evidenceJobId(order)))!.data as Record<string, unknown>;
      expect(kept).toMatchObject({ issueId: issue.id, msgid: order.msgid, index: 0 });
      expect(kept).not.toHaveProperty('url');
      expect(kept).not.toHaveProperty('aesKey');
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('records a job that died for good as not kept (the worker’s failed listener)', async () => {
    const bull = bullConnection(testRedisUrl(), 'queue');
    const queue = new Queue('evidence', { connection: bull.connection, prefix: keys.bullPrefix });
    try {
      const { issue, orders } = await fixed(1);
      await queue.add('evidence', orders[0], { jobId: evidenceJobId(orders[0]!), attempts: 4 });
      const job = (await queue.getJob(evidenceJobId(orders[0]!)))!;
      job.attemptsMade = 4;
      const dead = evidenceDeadLetters({ store, clock, logger: captureLogs().logger, queue });
      dead.failed(job, new Error('READONLY You can’t write against a read only replica.'));
      await pollUntil(async () => (await outcomeOf(issue.id)) === 'storage', 'the dead job recorded');
      await pollUntil(async () => !('url' in ((await queue.getJob(job.id!))!.data as object)), 'the dead job’s link cleared');
      // A job with a retry still to come is left alone.
      const { issue: other, orders: more } = await fixed(1);
      await queue.add('evidence', more[0], { jobId: evidenceJobId(more[0]!), attempts: 4 });
      const retrying = (await queue.getJob(evidenceJobId(more[0]!)))!;
      retrying.attemptsMade = 1;
      dead.failed(retrying, new Error('socket hang up'));
      await new Promise((r) => setImmediate(r));
      expect(await outcomeOf(other.id)).toBe('saving');
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

describe('queueing the downloads', () => {
  it('records the entries as not kept when they cannot be queued', async () => {
    const bull = bullConnection(testRedisUrl(), 'queue');
    const queue = new Queue('evidence', { connection: bull.connection, prefix: keys.bullPrefix });
    await queue.waitUntilReady();
    await queue.close();
    const { issue, orders } = await fixed(2);
    const { logger, lines } = captureLogs();
    await createEvidenceClient({ queue, store, clock, logger }).storeEvidence(orders);
    expect([await outcomeOf(issue.id, 0), await outcomeOf(issue.id, 1)]).toEqual(['storage', 'storage']);
    expect(lines.some((l) => l.msg.startsWith('could not queue evidence downloads'))).toBe(true);
  });
});

describe('the kept files on disk', () => {
  it('sweeps temporary files left by a write that died, and nothing else', async () => {
    const files = new EvidenceFiles(dataDir);
    const { sha256 } = await files.put(jpeg(), 'jpeg');
    const stale = path.join(files.dir, `.${'a'.repeat(64)}.${'0'.repeat(12)}.tmp`);
    const fresh = path.join(files.dir, `.${'b'.repeat(64)}.${'1'.repeat(12)}.tmp`);
    await writeFile(stale, 'half');
    await writeFile(fresh, 'half');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    expect(await files.sweepTemporary()).toBe(1);
    expect((await readdir(files.dir)).sort()).toEqual([path.basename(fresh), `${sha256}.jpg`].sort());
  });
});
