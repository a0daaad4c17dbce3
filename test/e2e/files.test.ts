import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { FileMaker, FileRequest } from '../../jobs/files/file-request';
import type { FileMakers } from '../../jobs/files/makers';
import type { FileOrder } from '../../jobs/files/file-jobs';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import type { Clock } from '../../src/clock';
import { ExportFiles } from '../../src/store/export-files';
import { createKeys } from '../../src/store/keys';
import { startTestApp, type TestApp } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { pollUntil } from '../support/wait';

/**
 * Generated files end to end: requested through the jobs client, made by a test maker in the
 * files worker, served by the signed download route and pushed into the chat — uploaded through
 * the fake group robot (CHAT_T1 has a key) or shown by the local sink (CHAT_T2 has none).
 */
const fake = new FakeWecom();

/** The system clock, shifted on demand (links expire by the app's clock; the rate windows keep moving). */
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

/** What the test maker does, by `extra.mode`; each call is recorded. */
const calls: FileRequest[] = [];
let gate: Promise<void> = Promise.resolve();
const ledgerMaker: FileMaker = async (req, out) => {
  calls.push(req);
  const mode = req.extra.mode ?? 'ok';
  if (mode === 'throw') throw new Error('maker exploded');
  if (mode === 'wait') await gate;
  if (mode === 'big') {
    await writeFile(out, 'PK');
    await truncate(out, 20 * 1024 * 1024 + 1); // sparse: over the robot's 20 MB without writing it
  } else {
    await writeFile(out, `台账 ${req.scope.label} ${req.period.label} ${req.id}`);
  }
  return { name: `${req.scope.label}台账_${req.period.label}.xlsx`, ...(req.extra.caption ? { caption: req.extra.caption } : {}) };
};
const makers: FileMakers = { ledger: ledgerMaker }; // no 'bulletin': a kind nobody registered

/** The demo organisation with a group-robot key on CHAT_T1 only. */
function org() {
  const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as { policy: Record<string, unknown>; chats: { chatid: string; webhookKey?: string }[] };
  raw.policy = { ...raw.policy, quietHours: 'off' };
  for (const c of raw.chats) if (c.chatid === 'CHAT_T1') c.webhookKey = 'KEY_FILES_T1';
  return parseOrg(stringifyYaml(raw), {});
}

let t: TestApp;
beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ org: org(), clock, makers, env: { WECOM_API_BASE: fake.url }, jobTimings: { backoffMs: 20, throttleMs: 200 } });
});
afterAll(async () => {
  await t?.stop();
  await fake.stop();
});
afterEach(() => {
  offsetMs = 0;
  expect(fake.unexpected).toEqual([]);
});

const order = (extra: Record<string, string> = {}, over: Partial<FileOrder> = {}): FileOrder => ({
  kind: 'ledger',
  requester: 'u_luo',
  chatId: 'CHAT_T2',
  scope: { label: '福禄镇', unitIds: ['u_banzhu'] },
  period: { label: '2026年第4季度', months: ['202610', '202611', '202612'] },
  extra,
  ...over,
});

const statusOf = async (id: string) => (await t.app.jobs.files.get(id))?.status;
const waitStatus = (id: string, status: string) => pollUntil(async () => (await statusOf(id)) === status, `file ${id} ${status}`);
const exportsDir = () => path.join(t.dataDir, 'exports');
const logged = (msg: string, file: string) => t.logs.filter((l) => l.msg === msg && l.file === file);

/** The sink entries (the terminal client's feed) of one chat, as field maps. */
async function sinkEntries(chatId: string): Promise<Map<string, string>[]> {
  const entries = await t.redis.xrange(createKeys(t.prefix).pushes, '-', '+');
  return entries
    .map(([, fields]) => new Map(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i]!, fields[2 * i + 1]!] as [string, string])))
    .filter((f) => f.get('chat') === chatId);
}

describe('a file through the group robot', () => {
  it('is made, renamed into place, marked ready, uploaded and sent as a file message with that media_id', async () => {
    const ticket = await t.app.jobs.files.request(order({}, { chatId: 'CHAT_T1' }));
    expect(ticket.url.startsWith(`${t.baseUrl}/files/${ticket.id}.xlsx?u=u_luo&exp=`)).toBe(true);
    const msgs = await fake.waitFor((m) => m.some((x) => x.msgtype === 'file'));
    const [upload] = fake.uploads;
    const file = msgs.find((x) => x.msgtype === 'file')!;
    const bytes = readFileSync(path.join(exportsDir(), `${ticket.id}.xlsx`));
    expect(bytes.toString('utf8')).toBe(`台账 福禄镇 2026年第4季度 ${ticket.id}`);
    expect(fake.uploads).toHaveLength(1);
    expect(upload).toMatchObject({ key: 'KEY_FILES_T1', type: 'file', name: '福禄镇台账_2026年第4季度.xlsx', filelength: bytes.length, size: bytes.length, errcode: 0 });
    expect(upload!.bytes.equals(bytes)).toBe(true);
    expect(file).toMatchObject({ key: 'KEY_FILES_T1', content: upload!.mediaId, errcode: 0 });
    expect(file.upload).toBe(upload);
    expect(upload!.at).toBeLessThanOrEqual(file.at);
    // Only the final file is left: the maker's temporary file was renamed, not copied.
    expect(readdirSync(exportsDir()).filter((n) => n.includes(ticket.id))).toEqual([`${ticket.id}.xlsx`]);
    expect(await t.app.jobs.files.get(ticket.id)).toMatchObject({ status: 'ready', name: '福禄镇台账_2026年第4季度.xlsx', bytes: bytes.length, requester: 'u_luo', chatId: 'CHAT_T1', expiresAt: ticket.expiresAt });
    // 24 h by default (policy exportLinkTtl).
    expect(ticket.expiresAt - (await t.app.jobs.files.get(ticket.id))!.createdAt).toBe(86_400_000);
    await pollUntil(async () => (await t.redis.exists(createKeys(t.prefix).sent(`file-${ticket.id}`))) === 1, 'the file push marked sent');
  });

  it('keeps the media_id when the file message must be retried, and uploads again only when the robot forgot it (40007)', async () => {
    const uploadsBefore = fake.uploads.length;
    fake.script('KEY_FILES_T1', [-1, 40007]);
    const ticket = await t.app.jobs.files.request(order({}, { chatId: 'CHAT_T1' }));
    const mine = (m: { msgtype: string; errcode: number; upload?: { name: string } }) => m.msgtype === 'file';
    await fake.waitFor((m) => m.filter(mine).length === 4);
    const tries = fake.messages.filter(mine).slice(1);
    const uploads = fake.uploads.slice(uploadsBefore);
    // -1 (busy): the same media_id again; 40007: a new upload, then its media_id.
    expect(uploads).toHaveLength(2);
    expect(tries.map((m) => [m.errcode, m.content])).toEqual([
      [-1, uploads[0]!.mediaId],
      [40007, uploads[0]!.mediaId],
      [0, uploads[1]!.mediaId],
    ]);
    await pollUntil(async () => (await t.redis.exists(createKeys(t.prefix).sent(`file-${ticket.id}`))) === 1, 'the file push marked sent');
  });

  it('refuses a file over 20 MB for good, without uploading it, and the link still serves it', async () => {
    const uploadsBefore = fake.uploads.length;
    const ticket = await t.app.jobs.files.request(order({ mode: 'big' }, { chatId: 'CHAT_T1' }));
    await pollUntil(() => t.logs.some((l) => l.msg === 'file not sent through the group robot; its download link still works' && l.file === ticket.id), 'the refusal logged');
    const line = t.logs.find((l) => l.msg === 'file not sent through the group robot; its download link still works' && l.file === ticket.id)!;
    expect(line.reason).toBe(`file is ${20 * 1024 * 1024 + 1} bytes, over the group robot's 20 MB`);
    expect(fake.uploads).toHaveLength(uploadsBefore);
    expect(fake.messages.filter((m) => m.msgtype === 'file')).toHaveLength(4); // the previous tests' only
    // Permanent and not a dead letter: marked sent, nothing in the failed set, no retry.
    expect(await t.redis.exists(createKeys(t.prefix).sent(`file-${ticket.id}`))).toBe(1);
    expect(t.logs.filter((l) => l.job === `file-${ticket.id}`)).toEqual([]); // neither "will retry" nor "dead-lettered"
    expect((await (await fetch(`${t.baseUrl}/healthz`)).json()) as unknown).toMatchObject({ checks: { queue: { deadLetters: 0 } } });
    const res = await fetch(ticket.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(20 * 1024 * 1024 + 1));
    await res.body?.cancel();
  });
});

describe('a file for a chat without a group-robot key', () => {
  it('goes to the sink with its name and link, and under its caption', async () => {
    const ticket = await t.app.jobs.files.request(order({ caption: '📊 福禄镇 2026年第4季度 台账' }));
    await pollUntil(async () => (await sinkEntries('CHAT_T2')).some((f) => f.get('link') === ticket.url), 'the file in the sink');
    const entry = (await sinkEntries('CHAT_T2')).find((f) => f.get('link') === ticket.url)!;
    expect(Object.fromEntries(entry)).toMatchObject({
      kind: 'file',
      format: 'file',
      file: '福禄镇台账_2026年第4季度.xlsx',
      content: `📊 福禄镇 2026年第4季度 台账\n📎 文件：福禄镇台账_2026年第4季度.xlsx  ${ticket.url}`,
    });
    expect(fake.uploads.filter((u) => u.key !== 'KEY_FILES_T1')).toEqual([]);
  });
});

describe('the download link', () => {
  let ticket: { id: string; url: string; expiresAt: number };
  let name: string;
  beforeAll(async () => {
    ticket = await t.app.jobs.files.request(order());
    await waitStatus(ticket.id, 'ready');
    name = (await t.app.jobs.files.get(ticket.id))!.name!;
  });

  it('serves the file with its Chinese name (RFC 5987) and the workbook type', async () => {
    const res = await fetch(ticket.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${ticket.id}.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}`);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(Buffer.from(await res.arrayBuffer()).toString('utf8')).toBe(`台账 福禄镇 2026年第4季度 ${ticket.id}`);
    expect(logged('file downloaded', ticket.id)).toEqual([expect.objectContaining({ user: 'u_luo', bytes: expect.any(Number) })]);
  });

  it.each([
    ['the file id', (u: URL) => (u.pathname = u.pathname.replace(/\/files\/./, (s) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A')))],
    ['the person', (u: URL) => u.searchParams.set('u', 'u_admin')],
    ['the expiry', (u: URL) => u.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 3600))],
    ['the signature', (u: URL) => u.searchParams.set('sig', u.searchParams.get('sig')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')))],
    ['the query (dropped)', (u: URL) => (u.search = '')],
  ])('answers 403 with a Chinese page when %s is changed, and logs one line without the signature', async (what, change) => {
    const url = new URL(ticket.url);
    change(url);
    const before = t.logs.length;
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const body = await res.text();
    expect(body).toContain('<h1>链接无效</h1>');
    expect(body).not.toContain(ticket.id);
    const lines = t.logs.slice(before).filter((l) => l.msg === 'download refused');
    expect(lines).toEqual([expect.objectContaining({ status: 403, reason: what === 'the query (dropped)' ? 'unsigned' : 'forged' })]);
    expect(JSON.stringify(t.logs)).not.toContain(new URL(ticket.url).searchParams.get('sig'));
  });

  it('answers 410 once expired, saying to export again', async () => {
    offsetMs = ticket.expiresAt - Date.now();
    const res = await fetch(ticket.url);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('<p>链接已过期，请在群里重新发送 /导出</p>');
    expect(t.logs.filter((l) => l.msg === 'download refused' && l.file === ticket.id)).toEqual([expect.objectContaining({ status: 410, reason: 'expired', user: 'u_luo' })]);
  });
});

describe('a file not ready yet, and files that fail', () => {
  it('answers 202 "being prepared" with a refresh until the maker is done, then the file', async () => {
    let release!: () => void;
    gate = new Promise<void>((r) => (release = r));
    const ticket = await t.app.jobs.files.request(order({ mode: 'wait' }));
    await pollUntil(() => calls.some((c) => c.id === ticket.id), 'the maker started');
    const res = await fetch(ticket.url);
    expect(res.status).toBe(202);
    const body = await res.text();
    expect(body).toContain('<meta http-equiv="refresh" content="3">');
    expect(body).toContain('文件正在生成，请稍后刷新');
    release();
    await waitStatus(ticket.id, 'ready');
    expect((await fetch(ticket.url)).status).toBe(200);
  });

  it('retries a maker that throws, then marks the file failed and the page says so', async () => {
    const ticket = await t.app.jobs.files.request(order({ mode: 'throw' }));
    await waitStatus(ticket.id, 'failed');
    expect(calls.filter((c) => c.id === ticket.id)).toHaveLength(3);
    expect(logged('file maker failed on its last attempt: file marked failed', ticket.id)).toEqual([expect.objectContaining({ err: 'maker exploded', attempt: 3 })]);
    expect((await t.app.jobs.files.get(ticket.id))!.error).toBe('maker exploded');
    const res = await fetch(ticket.url);
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toContain('<h1>文件生成失败</h1>');
    expect(body).toContain('请稍后在群里重新发送 /导出');
    expect(body).not.toContain('maker exploded');
    expect(readdirSync(exportsDir()).filter((n) => n.includes(ticket.id))).toEqual([]);
    expect((await sinkEntries('CHAT_T2')).filter((f) => f.get('id') === `file-${ticket.id}`)).toEqual([]);
  });

  it('marks a kind with no maker failed at once, with a clear log line', async () => {
    const ticket = await t.app.jobs.files.request(order({}, { kind: 'bulletin' }));
    expect(ticket.url).toContain(`/files/${ticket.id}.docx?`);
    await waitStatus(ticket.id, 'failed');
    expect(logged('no file maker registered for this kind (jobs/files/makers.ts): file marked failed', ticket.id)).toEqual([expect.objectContaining({ kind: 'bulletin' })]);
    const res = await fetch(ticket.url);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('请稍后在群里重新发送 /通报');
  });

  it('queues one job for one id, however often it is requested', async () => {
    const id = 'SameIdAgain0001';
    const [a, b] = await Promise.all([t.app.jobs.files.request(order({}, { id })), t.app.jobs.files.request(order({}, { id }))]);
    expect([a.id, b.id]).toEqual([id, id]);
    await waitStatus(id, 'ready');
    await pollUntil(async () => (await sinkEntries('CHAT_T2')).some((f) => f.get('id') === `file-${id}`), 'its push');
    expect(calls.filter((c) => c.id === id)).toHaveLength(1);
    expect((await sinkEntries('CHAT_T2')).filter((f) => f.get('id') === `file-${id}`)).toHaveLength(1);
  });
});

describe('removing expired files', () => {
  it('deletes the files past expiry and orphans, and keeps the rest', async () => {
    const live = await t.app.jobs.files.request(order());
    await waitStatus(live.id, 'ready');
    const files = new ExportFiles(t.redis, createKeys(t.prefix), t.dataDir);
    const orphan = path.join(exportsDir(), 'Orphan0000000001.xlsx');
    const other = path.join(exportsDir(), 'README.txt');
    writeFileSync(orphan, 'left by nobody');
    writeFileSync(other, 'not ours');
    const now = clock.now().getTime();
    const first = await files.sweep(now);
    expect(first.removed).toEqual(['Orphan0000000001.xlsx']);
    expect(existsSync(path.join(exportsDir(), `${live.id}.xlsx`))).toBe(true);
    const second = await files.sweep(live.expiresAt);
    expect(second.removed).toContain(`${live.id}.xlsx`);
    expect(existsSync(path.join(exportsDir(), `${live.id}.xlsx`))).toBe(false);
    expect(existsSync(other)).toBe(true);
  });

  it('sweeps when a worker starts', async () => {
    const prefix = `${t.prefix.slice(0, -1)}w:`;
    const worker = await startTestApp({ org: org(), prefix, role: 'worker', makers });
    await worker.stop();
    const dir = path.join(worker.dataDir, 'exports');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'Orphan0000000002.docx'), 'expired long ago');
    const again = await startTestApp({ org: org(), prefix, role: 'worker', makers });
    try {
      await pollUntil(() => !existsSync(path.join(dir, 'Orphan0000000002.docx')), 'the orphan swept on start');
    } finally {
      await again.stop();
      rmSync(worker.dataDir, { recursive: true, force: true });
    }
  });
});
