import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { fixedClock } from '../../src/clock';
import type { Evidence, Issue } from '../../src/domain/issue';
import { LinkSigner, linkKey } from '../../src/server/signed-links';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { VisitStore } from '../../src/store/visit-store';
import { TEST_AES_KEY, BOT_NAME } from '../support/app';
import { TRANSPORTS, type TransportUnderTest } from '../support/drivers';
import { encryptMedia, jpeg, pdf, png, randomMediaKey } from '../support/evidence-media';
import { pollUntil } from '../support/wait';

const MEMBER = 'u_t1_m2'; // 唐建平
const SECRETARY = 'u_sec_banzhu'; // 陈晓燕, 斑竹村
const LEADER = 'u_luo'; // 罗志刚, 第一工作队队长
const START = '2026-12-02T10:00:00+08:00';

describe.each(TRANSPORTS)('evidence photos over $name', (factory) => {
  let run: TransportUnderTest;
  const clock = fixedClock(START);
  beforeAll(async () => {
    run = await factory.start({ clock, jobTimings: { backoffMs: 10 } });
  });
  afterAll(async () => {
    await run?.stop();
  });

  const ledger = () => new LedgerStore(run.t.redis, createKeys(run.t.prefix));
  /** The key WeCom encrypts a photo with on this transport: the callback key, or the item's own. */
  const keyFor = () => (run.driver.transport === 'ws' ? randomMediaKey() : TEST_AES_KEY);
  const served = (plain: Buffer, failures: number[] = []) => {
    const key = keyFor();
    const url = run.wecom.serveMedia(encryptMedia(plain, key), failures);
    return { url, ...(run.driver.transport === 'ws' ? { aesKey: key } : {}), name: url.split('/').pop()! };
  };
  const say = async (userId: string, text: string, images: { url: string; aesKey?: string }[] = []) =>
    (await run.driver.say({ userId, chatId: 'CHAT_T1', text: `@${BOT_NAME} ${text}`, ...(images.length ? { images } : {}) })).markdown;
  /** In the person's single chat with the bot. */
  const sayAlone = async (userId: string, text: string) => (await run.driver.say({ userId, text })).markdown;
  const report = async (what: string, unit = '斑竹村') => Number(/#(\d+)/u.exec(await say(MEMBER, `/上报 ${unit} ${what}`))![1]);
  const settled = async (id: number, count: number): Promise<Issue> => {
    let issue: Issue | undefined;
    await pollUntil(async () => {
      issue = await ledger().get(id);
      return issue !== undefined && issue.evidence.length === count && issue.evidence.every((e) => e.stored || e.failed);
    }, `#${id}'s ${count} evidence entries settled`);
    return issue!;
  };
  const evidenceFiles = async () => (await readdir(path.join(run.t.dataDir, 'evidence')).catch(() => [] as string[])).filter((f) => !f.startsWith('.'));
  const linksIn = (text: string) => [...text.matchAll(/\]\((http[^)\s]+)\)/gu)].map((m) => m[1]!);
  /** The file links of an issue's photo page. */
  const pageLinks = async (page: string) => {
    const res = await fetch(page);
    expect(res.status).toBe(200);
    return [...(await res.text()).matchAll(/href="([^"]+)"/gu)].map((m) => new URL(m[1]!.replace(/&amp;/gu, '&'), run.t.baseUrl).toString());
  };
  const heldKeys = (chat: string, user: string) => run.t.redis.exists(createKeys(run.t.prefix).heldPhotos(chat, user));

  it('keeps a fix photo by its hash, records it in the audit, and serves it by a signed link to the same bytes', async () => {
    const id = await report('闸阀老化漏水');
    const photo = jpeg();
    const media = served(photo);
    const reply = await say(SECRETARY, `/整改 #${id} 闸阀已更换`, [media]);
    expect(reply).toContain('整改情况：闸阀已更换（照片 1 张）');
    expect(reply).toContain(`照片正在保存，稍后发送 \`/查看 #${id}\` 可打开原图。`);
    const issue = await settled(id, 1);
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(photo).digest('hex');
    expect(issue.evidence[0]).toEqual({ kind: 'image', msgid: expect.any(String), index: 0, at: clock.now().getTime(), stored: { sha256, size: photo.length, type: 'jpeg' } });
    // No WeCom link or key anywhere in the ledger's records of the issue.
    const keys = createKeys(run.t.prefix);
    const raw = JSON.stringify([await run.t.redis.hgetall(keys.issue(id)), await run.t.redis.get(keys.issueHistory(id)), await run.t.redis.lrange(keys.audit(id), 0, -1)]);
    expect(raw).not.toContain(media.name);
    expect(raw).not.toContain(TEST_AES_KEY);
    expect(await readFile(path.join(run.t.dataDir, 'evidence', `${sha256}.jpg`))).toEqual(photo);
    // The audit entry with hash, size and type, in the district stream and the issue's list.
    const stream = await run.t.redis.xrange(keys.auditAll, '-', '+');
    const entry = stream.map(([, f]) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[v, f[i + 1]!]])))).find((e) => e.issue === String(id) && e.action === 'evidence-stored');
    expect(entry).toMatchObject({ sha256, size: String(photo.length), type: 'jpeg', actor: SECRETARY });

    // Not a step of the issue: the 台账's 核验人, the cards and /查看 read the newest steps.
    expect((await run.t.redis.lrange(keys.audit(id), 0, -1)).join('\n')).not.toContain('evidence-');

    // In the group, one link to the issue's photo page (it checks who may see the issue), no file links.
    const card = await say(LEADER, `/查看 #${id}`);
    expect(card).toContain('**照片和文件**\n1. 照片 1（JPG，1 KB）\n');
    const [page] = linksIn(card);
    expect(card).toContain(`[打开 #${id} 的照片和文件](${page})（24 小时内有效；每次打开都核对你是否仍可查看此问题）`);
    expect(linksIn(card)).toHaveLength(1);
    expect(new URL(page!).pathname).toBe(`/evidence/issues/${id}`);
    expect(await pageLinks(page!)).toHaveLength(1);
    // In a single chat, a link to each file, for the asker alone.
    const alone = await sayAlone(LEADER, `/查看 #${id}`);
    const [link] = linksIn(alone);
    expect(alone).toContain(`1. [照片 1（JPG，1 KB）](${link})`);
    expect(alone).toContain('（链接 24 小时内有效，请勿转发）');
    expect(new URL(link!).pathname).toMatch(/^\/evidence\/[0-9a-f]{64}\.jpg$/u);
    const res = await fetch(link!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(photo);

    // A changed byte of the signature, the file or the expiry: refused, never the file.
    const u = new URL(link!);
    const sig = u.searchParams.get('sig')!;
    const forged = new URL(link!);
    forged.searchParams.set('sig', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
    const longer = new URL(link!);
    longer.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 3600));
    for (const bad of [forged, longer]) {
      const r = await fetch(bad);
      expect(r.status).toBe(403);
      expect(r.headers.get('content-type')).toContain('text/html');
      expect(await r.text()).toContain('链接无效');
    }
    // Past its expiry: 410 with a short Chinese page.
    clock.advance(25 * 3_600_000);
    try {
      const late = await fetch(link!);
      expect(late.status).toBe(410);
      expect(await late.text()).toContain('链接已过期');
    } finally {
      clock.set(START);
    }
  });

  it('keeps the same photo sent twice as one file, and both entries point at it', async () => {
    const id = await report('路灯不亮');
    const photo = png();
    await say(SECRETARY, `/整改 #${id} 已更换灯泡`, [served(photo)]);
    await settled(id, 1);
    const before = await evidenceFiles();
    await say(SECRETARY, `/整改 #${id} 补一张`, [served(photo)]);
    const issue = await settled(id, 2);
    expect(issue.evidence.map((e) => e.stored?.sha256)).toEqual([issue.evidence[0]!.stored!.sha256, issue.evidence[0]!.stored!.sha256]);
    expect(issue.evidence[0]!.msgid).not.toBe(issue.evidence[1]!.msgid);
    expect(await evidenceFiles()).toEqual(before);
  });

  it('retries a download that failed, and records one that cannot succeed with its reason', async () => {
    const id = await report('护栏松动');
    const flaky = served(jpeg(), [500]);
    const gone = served(jpeg(), [404]);
    const down = served(jpeg(), [500, 503, 502, 500]);
    const big = served(Buffer.concat([jpeg(), Buffer.alloc(10 * 1024 * 1024)]));
    const gif = served(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
    const html = served(Buffer.from('<!doctype html><script>alert(document.cookie)</script>'));
    const doc = served(pdf());
    await say(SECRETARY, `/整改 #${id} 已加固`, [flaky, gone, down, big, gif, html, doc]);
    const issue = await settled(id, 7);
    const outcome = (e: Evidence) => e.stored?.type ?? e.failed!.reason;
    expect(issue.evidence.map(outcome)).toEqual(['jpeg', 'expired', 'unreachable', 'too-large', 'wrong-type', 'wrong-type', 'pdf']);
    expect(run.wecom.media.get(flaky.name)!.downloads).toBe(2);
    expect(run.wecom.media.get(gone.name)!.downloads).toBe(1);
    expect(run.wecom.media.get(down.name)!.downloads).toBe(4);

    const card = await say(LEADER, `/查看 #${id}`);
    expect(card).toContain('2. 照片 2：未保存（下载链接已失效）');
    expect(card).toContain('3. 照片 3：未保存（多次下载失败）');
    expect(card).toContain('4. 照片 4：未保存（文件超过 10 MB）');
    expect(card).toContain('5. 照片 5：未保存（不是 JPG、PNG 照片或 PDF 文件）');
    // The PDF is downloaded as an attachment, never shown on our origin.
    const pdfLink = linksIn(await sayAlone(LEADER, `/查看 #${id}`)).find((l) => l.includes('.pdf?'))!;
    const res = await fetch(pdfLink);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; /);
  });

  it('never fetches a link off the media hosts, and says why the photo was not kept', async () => {
    const id = await report('井盖缺失');
    const ok = served(jpeg());
    const off = { ...ok, url: ok.url.replace('127.0.0.1', 'localhost') };
    await say(SECRETARY, `/整改 #${id} 已补装`, [off]);
    const issue = await settled(id, 1);
    expect(issue.evidence[0]!.failed).toEqual({ reason: 'foreign-host' });
    expect(run.wecom.media.get(ok.name)!.downloads).toBe(0);
    expect(await say(LEADER, `/查看 #${id}`)).toContain('1. 照片 1：未保存（下载地址不是企业微信的，未下载）');
  });

  it('attaches a lone photo sent right after the /整改 to that fix', async () => {
    const secretary = 'u_sec_shiyan';
    const id = await report('垃圾未清运', '石堰村');
    await say(secretary, `/整改 #${id} 已清运`);
    const photo = served(jpeg());
    const reply = (await run.driver.sendMedia({ userId: secretary, kind: 'image', ...photo })).markdown;
    // A single chat: the fix was reported in the group, so this photo has no fix to join there.
    expect(reply).toContain('照片已收到');
    const inGroup = await say(secretary, '', [served(jpeg())]);
    expect(inGroup).toMatch(new RegExp(`^（已附到 #${id}）\\n📎 \\*\\*#${id}\\*\\* 福禄镇石堰村 已补充整改材料（照片 1 张）`, 'u'));
    const issue = await settled(id, 1);
    expect(issue.evidence[0]!.stored?.type).toBe('jpeg');
  });

  it('holds a lone photo sent before the /整改 and gives it to that fix', async () => {
    const secretary = 'u_sec_longjing';
    const id = await report('标识牌缺失', '龙井村');
    const before = await say(secretary, '', [served(png())]);
    expect(before).toBe('📷 照片已收到（共 1 张待附），请在 3 分钟内发送 `/整改 #编号 整改情况`，照片会附到这次整改。');
    const fixed = await say(secretary, `/整改 #${id} 已补装标识牌`);
    expect(fixed).toContain('整改情况：已补装标识牌（照片 1 张）');
    const issue = await settled(id, 1);
    expect(issue.evidence[0]!.stored?.type).toBe('png');
    // Taken once: the next /整改 finds none held.
    expect(await say(secretary, `/整改 #${id} 再补充说明`)).not.toContain('照片');
  });

  it.each([
    ['the photo', 'u_sec_fulu_sq', '福禄社区'],
    ['the words', 'u_sec_huangjue_sq', '黄桷社区'],
  ])('joins a photo and its /整改 sent at the same moment, %s first, to the fix once', async (first, secretary, unit) => {
    const id = await report('路面塌陷', unit);
    const photo = () => say(secretary, '', [served(jpeg())]);
    const words = () => say(secretary, `/整改 #${id} 已回填`);
    const [a, b] = first === 'the photo' ? await Promise.all([photo(), words()]) : (await Promise.all([words(), photo()])).reverse();
    const issue = await settled(id, 1);
    expect(issue.evidence[0]!.stored?.type).toBe('jpeg');
    expect(issue.state).toBe('submitted');
    // However the two crossed, nothing is left waiting, and each reply says where the photo went.
    expect(await heldKeys('CHAT_T1', secretary)).toBe(0);
    expect(`${a}\n${b}`).toMatch(/整改情况：已回填（照片 1 张）|已附到 #\d+|同时发来的 1 张照片也已附到/u);
  });

  it('leaves a photo to the dialogue it answers: a /上报 waiting for its description is not a fix', async () => {
    const asked = await say(MEMBER, '/上报 斑竹村');
    expect(asked).toContain('请');
    const reply = await say(MEMBER, '', [served(jpeg())]);
    expect(reply).not.toContain('/整改');
    expect(reply).not.toContain('照片已收到');
    expect(await heldKeys('CHAT_T1', MEMBER)).toBe(0);
    await say(MEMBER, '/取消');
  });

  it('records /走访 photos as not kept, and says so', async () => {
    const reply = await say(MEMBER, '/走访 斑竹村 三会一课:按时召开', [served(jpeg())]);
    expect(reply).toContain('照片 1 张未保存（走访记录不保存照片，整改照片请随 /整改 发送）');
    const visits = new VisitStore(run.t.redis, createKeys(run.t.prefix));
    const { visits: [visit] } = await visits.page(['banzhu'], undefined, 0, 1);
    expect(visit!.evidence).toEqual([{ kind: 'image', msgid: expect.any(String), index: 0, at: clock.now().getTime(), failed: { reason: 'not-kept' } }]);
  });

  it('gives the dashboard’s issue dialog a link on its own origin to each kept photo', async () => {
    const id = await report('路灯杆倾斜');
    await say(SECRETARY, `/整改 #${id} 已扶正`, [served(jpeg()), { url: 'data:image/jpeg;base64,/9j/4AAQ' }]);
    await settled(id, 2);
    const signInUrl = new URL(linksIn(await sayAlone(LEADER, '/看板'))[0]!);
    const signedIn = await fetch(`${run.t.baseUrl}${signInUrl.pathname}${signInUrl.search}`, { redirect: 'manual' });
    const cookie = signedIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const res = await fetch(`${run.t.baseUrl}/api/issues/${id}`, { headers: { cookie } });
    const { photos } = (await res.json()) as { photos: { url: string; status: string; note?: string }[] };
    expect(photos[0]).toMatchObject({ status: 'stored' });
    // A path, so the page's img-src 'self' shows it on whatever host the dashboard was opened.
    expect(photos[0]!.url).toMatch(/^\/evidence\/[0-9a-f]{64}\.jpg\?u=u_luo&exp=\d+&sig=/u);
    expect((await fetch(`${run.t.baseUrl}${photos[0]!.url}`)).status).toBe(200);
    expect(photos[1]).toEqual({ kind: 'image', url: '', at: expect.any(Number), status: 'failed', note: '下载地址不是企业微信的，未下载' });
  });

  it('links an issue’s evidence page from the 台账 (/导出), and the page lists each file with a signed link', async () => {
    const id = await report('宣传栏破损');
    await say(SECRETARY, `/整改 #${id} 已修复`, [served(jpeg())]);
    await settled(id, 1);
    const exported = await say(LEADER, '/导出 本月');
    const url = /\]\((http[^)]+\/files\/[^)]+)\)/u.exec(exported)![1]!;
    let res: Response | undefined;
    await pollUntil(async () => (res = await fetch(url)).status !== 202, 'the workbook made');
    expect(res!.status).toBe(200);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-evidence-ledger-'));
    try {
      const file = path.join(dir, 'ledger.xlsx');
      await writeFile(file, Buffer.from(await res!.arrayBuffer()));
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(file);
      const sheet = wb.getWorksheet('台账')!;
      const cells: { text: string; hyperlink: string }[] = [];
      sheet.eachRow((row) => row.eachCell((c) => { if (c.type === ExcelJS.ValueType.Hyperlink) cells.push(c.value as { text: string; hyperlink: string }); }));
      const cell = cells.find((c) => new URL(c.hyperlink).pathname === `/evidence/issues/${id}`)!;
      expect(cell.text).toBe('1 份');
      expect(new URL(cell.hyperlink).searchParams.get('u')).toBe(LEADER);
      const html = await (await fetch(cell.hyperlink)).text();
      expect(html).toContain(`#${id} 佐证材料`);
      const [href] = await pageLinks(cell.hyperlink);
      const kept = await fetch(href!);
      expect(kept.status).toBe(200);
      expect(kept.headers.get('content-type')).toBe('image/jpeg');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Someone outside the issue's area holding a genuine link sees nothing.
    const signer = new LinkSigner(linkKey(undefined, TEST_AES_KEY), () => run.t.baseUrl);
    const outsider = signer.issueEvidenceUrl({ issueId: id, userid: 'u_t2_m1', expiresAt: clock.now().getTime() + 3_600_000 });
    expect((await fetch(outsider)).status).toBe(404);
  });
});
