import { ConfigError, loadEnv } from '../../src/config/env';
import { parseOrg } from '../../src/config/org-file';
import { LinkSigner, linkKey, type FileLink } from '../../src/server/signed-links';
import { safeFileName } from '../../jobs/files/process-file';
import { sinkFileText } from '../../jobs/outbound/channels';
import { pushSchema } from '../../jobs/push';

const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const NOW = Date.parse('2026-12-01T10:00:00+08:00');
const signer = new LinkSigner(linkKey(undefined, AES), () => 'https://duban.example.gov.cn/duban');
const link: FileLink = { id: 'AbCdEfGh12345678', ext: 'xlsx', userid: 'u_t1_leader', expiresAt: NOW + 86_400_000 };

/** The name and query of a link's path, as the download route receives them. */
function parts(path: string): { name: string; query: Record<string, string> } {
  const url = new URL(path, 'http://x');
  return { name: decodeURIComponent(url.pathname.replace(/^\/files\//, '')), query: Object.fromEntries(url.searchParams) };
}

describe('signed download links', () => {
  const good = parts(signer.path(link));

  it('puts the file, the person and the expiry (seconds) in the path, signed', () => {
    expect(signer.url(link)).toMatch(/^https:\/\/duban\.example\.gov\.cn\/duban\/files\/AbCdEfGh12345678\.xlsx\?u=u_t1_leader&exp=\d{10}&sig=[A-Za-z0-9_-]{43}$/);
    expect(good.query.exp).toBe(String(Math.floor(link.expiresAt / 1000)));
    expect(signer.verify(good.name, good.query, NOW)).toEqual({ ok: true, link });
  });

  it.each([
    ['the file id', { name: 'AbCdEfGh12345679.xlsx' }],
    ['the format', { name: 'AbCdEfGh12345678.docx' }],
    ['the person', { query: { u: 'u_admin' } }],
    ['the expiry', { query: { exp: String(Math.floor(link.expiresAt / 1000) + 86_400) } }],
    ['the signature', { query: { sig: good.query.sig!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) } }],
  ])('calls a link forged when %s is changed', (_what, change: { name?: string; query?: Record<string, string> }) => {
    const check = signer.verify(change.name ?? good.name, { ...good.query, ...change.query }, NOW);
    expect(check).toEqual({ ok: false, reason: 'forged' });
  });

  it('calls a link with a missing or malformed part unsigned', () => {
    for (const drop of ['u', 'exp', 'sig'] as const) {
      const { [drop]: _gone, ...rest } = good.query;
      expect(signer.verify(good.name, rest, NOW)).toEqual({ ok: false, reason: 'unsigned' });
    }
    expect(signer.verify(good.name, { ...good.query, u: 'u\nadmin' }, NOW)).toEqual({ ok: false, reason: 'unsigned' });
    expect(signer.verify(good.name, { ...good.query, exp: '1e12' }, NOW)).toEqual({ ok: false, reason: 'unsigned' });
    expect(signer.verify(good.name, { ...good.query, sig: [good.query.sig!] }, NOW)).toEqual({ ok: false, reason: 'unsigned' });
    expect(signer.verify('../../etc/passwd', good.query, NOW)).toEqual({ ok: false, reason: 'unsigned' });
    expect(signer.verify('AbCdEfGh12345678.exe', good.query, NOW)).toEqual({ ok: false, reason: 'unsigned' });
  });

  it('expires at its second, and an expired genuine link says so (not forged)', () => {
    const at = Math.floor(link.expiresAt / 1000) * 1000;
    expect(signer.verify(good.name, good.query, at - 1).ok).toBe(true);
    expect(signer.verify(good.name, good.query, at)).toEqual({ ok: false, reason: 'expired', link: { ...link, expiresAt: at } });
  });

  it('derives one key per EncodingAESKey (every instance agrees), and LINK_SECRET replaces it', () => {
    expect(linkKey(undefined, AES).equals(linkKey(undefined, AES))).toBe(true);
    expect(linkKey(undefined, AES)).toHaveLength(32);
    expect(linkKey(undefined, AES).equals(linkKey(undefined, AES.replace('j', 'k')))).toBe(false);
    // Not the AES key itself, nor anything a reader of the callback config could sign with directly.
    expect(linkKey(undefined, AES).toString('utf8')).not.toContain(AES);
    const secret = 'x'.repeat(40);
    const other = new LinkSigner(linkKey(secret, AES), () => 'http://h');
    expect(other.verify(good.name, good.query, NOW)).toEqual({ ok: false, reason: 'forged' });
    const mine = parts(other.path(link));
    expect(other.verify(mine.name, mine.query, NOW).ok).toBe(true);
  });
});

describe('PUBLIC_URL and LINK_SECRET', () => {
  it('leaves PUBLIC_URL to the bound port when unset, and drops a trailing slash', () => {
    expect(loadEnv({}).PUBLIC_URL).toBeUndefined();
    expect(loadEnv({ PUBLIC_URL: 'https://duban.example.gov.cn/duban/' }).PUBLIC_URL).toBe('https://duban.example.gov.cn/duban');
  });

  it('refuses a PUBLIC_URL that is not a plain http(s) base, without echoing it', () => {
    for (const bad of ['ftp://x', 'duban.example.gov.cn', 'https://x/?a=1', 'https://user:pw@x']) {
      expect(() => loadEnv({ PUBLIC_URL: bad })).toThrow(ConfigError);
    }
    expect(() => loadEnv({ PUBLIC_URL: 'https://user:pw@x' })).toThrow(/^PUBLIC_URL: must be a base URL[^"]*$/);
  });

  it('takes a LINK_SECRET of 32 or more characters, and never echoes a bad one', () => {
    expect(loadEnv({ LINK_SECRET: 'a'.repeat(32) }).LINK_SECRET).toBe('a'.repeat(32));
    expect(loadEnv({}).LINK_SECRET).toBeUndefined();
    expect(() => loadEnv({ LINK_SECRET: 'short-secret-value' })).toThrow(/^LINK_SECRET: must be 32–256 printable ASCII characters[^"]*$/);
  });
});

describe('policy exportLinkTtl', () => {
  const file = (policy: string) => `district: 测试区\npeople: [{ userid: u1, name: 张三 }]\n${policy}`;
  it('defaults to 24 hours and reads a duration', () => {
    expect(parseOrg(file(''), {}).policy.exportLinkTtl).toEqual({ text: '24h', ms: 86_400_000 });
    expect(parseOrg(file('policy: { exportLinkTtl: 3d }'), {}).policy.exportLinkTtl.ms).toBe(3 * 86_400_000);
    expect(() => parseOrg(file('policy: { exportLinkTtl: soon }'), {})).toThrow(/exportLinkTtl/);
  });
});

describe('file names and the file push', () => {
  it('makes a maker\'s name safe for every desktop and gives it the format\'s extension', () => {
    expect(safeFileName('福禄镇台账_2026年第4季度.xlsx', 'xlsx')).toBe('福禄镇台账_2026年第4季度.xlsx');
    expect(safeFileName('a/b\\c:"d"<e>\n', 'docx')).toBe('a_b_c__d__e__.docx');
    expect(safeFileName('   ', 'xlsx')).toBe('文件.xlsx');
  });

  const file = { id: 'AbCdEfGh12345678', name: '台账.xlsx', path: 'AbCdEfGh12345678.xlsx', link: 'http://127.0.0.1:3000/files/AbCdEfGh12345678.xlsx?u=u1&exp=1&sig=s' };
  it('has kind, format and file together or not at all', () => {
    const base = { id: 'file-AbCdEfGh12345678', chatId: 'CHAT_T1', content: '台账.xlsx', createdAt: 1 };
    expect(pushSchema.safeParse({ ...base, kind: 'file', format: 'file', file }).success).toBe(true);
    expect(pushSchema.safeParse({ ...base, kind: 'file', format: 'text', file }).success).toBe(false);
    expect(pushSchema.safeParse({ ...base, kind: 'file', format: 'file' }).success).toBe(false);
    expect(pushSchema.safeParse({ ...base, kind: 'bulletin', format: 'markdown', file }).success).toBe(false);
    expect(pushSchema.safeParse({ ...base, kind: 'file', format: 'file', file: { ...file, path: '../x.xlsx' } }).success).toBe(false);
  });

  it('shows the terminal the file line, under the caption when there is one', () => {
    const push = pushSchema.parse({ id: 'file-x1234567', chatId: 'C', kind: 'file', format: 'file', content: '台账.xlsx', file, createdAt: 1 });
    expect(sinkFileText(push)).toBe(`📎 文件：台账.xlsx  ${file.link}`);
    expect(sinkFileText({ ...push, content: '本季度台账' })).toBe(`本季度台账\n📎 文件：台账.xlsx  ${file.link}`);
  });
});
