import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { MessageLog } from '../../src/store/message-log';
import { LedgerStore } from '../../src/store/ledger-store';
import { WecomCallbackCrypto } from '../../src/wecom/crypto';
import { CALLBACK_PATH, MAX_CALLBACK_AGE_SECONDS, MAX_CLOCK_SKEW_AHEAD_SECONDS } from '../../src/wecom/webhook-transport';
import { BOT_NAME, startTestApp, TEST_AES_KEY, TEST_TOKEN, type TestApp } from '../support/app';
import { keysWithPrefix } from '../support/redis';

/** The real server on a real port and a real Redis, spoken to in WeCom's encrypted protocol. */
let t: TestApp;
const crypto = new WecomCallbackCrypto(TEST_TOKEN, TEST_AES_KEY);

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.stop();
});

const now = () => String(Math.floor(Date.now() / 1000));

function post(query: Record<string, string>, body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(`${t.baseUrl}${CALLBACK_PATH}?${new URLSearchParams(query)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

/** A correctly signed POST of any ciphertext. */
function postSigned(encrypt: string, timestamp = now()) {
  const nonce = String(Math.floor(Math.random() * 1e9));
  return post({ msg_signature: crypto.signature(timestamp, nonce, encrypt), timestamp, nonce }, JSON.stringify({ encrypt }));
}

describe('URL verification (GET)', () => {
  it('answers the decrypted echostr as the exact plain-text body', async () => {
    const res = await t.client.verifyUrl('1616140317555161061');
    expect(res).toEqual({ status: 200, body: '1616140317555161061' });
  });

  it('answers an echostr of 64 letters and digits, the longest it echoes', async () => {
    const echo = `${'A1b2'.repeat(16)}`;
    expect(await t.client.verifyUrl(echo)).toEqual({ status: 200, body: echo });
  });

  it("refuses a message callback's ciphertext resent as echostr: 400, one line, the plaintext never sent back", async () => {
    const payload = JSON.stringify({ msgid: 'replayed', aibotid: 'AIBOT_LOCAL', chatid: 'CHAT_T1', chattype: 'group', from: { userid: 'u_luo' }, msgtype: 'text', text: { content: '@督办助手 /上报 斑竹村 内部情况' } });
    const echostr = crypto.encrypt(payload);
    const ts = now();
    const before = t.logs.length;
    const res = await fetch(`${t.baseUrl}${CALLBACK_PATH}?${new URLSearchParams({ msg_signature: crypto.signature(ts, '7', echostr), timestamp: ts, nonce: '7', echostr })}`);
    expect({ status: res.status, body: await res.text() }).toEqual({ status: 400, body: 'bad request' });
    expect(t.logs.slice(before)).toEqual([expect.objectContaining({ msg: 'wecom callback', kind: 'verify', status: 400, outcome: 'bad_echostr' })]);
    expect(JSON.stringify(t.logs.slice(before))).not.toContain('内部情况');
  });

  it('refuses a forged signature with 401', async () => {
    const echostr = crypto.encrypt('123');
    const q = new URLSearchParams({ msg_signature: 'f'.repeat(40), timestamp: now(), nonce: '1', echostr });
    const res = await fetch(`${t.baseUrl}${CALLBACK_PATH}?${q}`);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('123');
  });

  it('refuses a missing echostr and a timestamp from long ago with 400', async () => {
    const ts = now();
    const missing = await fetch(`${t.baseUrl}${CALLBACK_PATH}?${new URLSearchParams({ msg_signature: crypto.signature(ts, '1', ''), timestamp: ts, nonce: '1' })}`);
    expect(missing.status).toBe(400);
    const echostr = crypto.encrypt('123');
    const old = '1409659589';
    const stale = await fetch(`${t.baseUrl}${CALLBACK_PATH}?${new URLSearchParams({ msg_signature: crypto.signature(old, '1', echostr), timestamp: old, nonce: '1', echostr })}`);
    expect(stale.status).toBe(400);
  });
});

describe('a full encrypted round trip', () => {
  it('/帮助 in a group, with the bot mention, gets the command list in Chinese', async () => {
    const text = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /帮助` });
    expect(text).toContain('督办助手 · 可用命令');
    expect(text).toContain('逾期清单：/清单 逾期');
    expect(text).toContain('全部命令：/帮助 全部');
  });

  it('/我是谁 names the person, the roles and the area from the org file', async () => {
    const text = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /我是谁` });
    expect(text).toContain('**罗志刚**（u_luo）');
    expect(text).toContain('身份：队长、队员');
    expect(text).toContain('第一工作队 队长：片区 福禄镇');
    expect(text).toContain('本群：第一工作队');
  });

  it('accepts Traditional Chinese, full-width slash and the mention at the end', async () => {
    const text = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `／我是誰 ＠${BOT_NAME}` });
    expect(text).toContain('身份：队长、队员');
  });

  it('answers the English names too, in a single chat', async () => {
    const text = await t.client.say({ userId: 'u_luo', text: '/WHOAMI' });
    expect(text).toContain('罗志刚');
    expect(text).toContain('本群：未在组织文件中登记');
  });

  it('tells a group not yet in the org file its chatid, for the roster', async () => {
    const text = await t.client.say({ chatId: 'wrNEWGROUP42', userId: 'u_luo', text: `@${BOT_NAME} 我是谁` });
    expect(text).toContain('本群：未在组织文件中登记（chatid：wrNEWGROUP42）');
    expect(text).toContain('请组织部把 chatid 填入花名册的 群聊 表');
  });

  it('tells someone outside the org file who to ask', async () => {
    const text = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_stranger', text: `@${BOT_NAME} /我是谁` });
    expect(text).toContain('不在示例区的组织名册中');
  });

  it('answers anything else with ⚠️ and a pointer to /帮助', async () => {
    const plain = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} 今天开会吗` });
    expect(plain).toMatch(/^⚠️ .*\/帮助/);
    const unknown = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /开会` });
    expect(unknown).toMatch(/^⚠️ 没有 \/开会 这个命令.*\/帮助/);
  });

  it('per-command help shows usage and an example; a wrong topic shows one correct example', async () => {
    const one = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /帮助 whoami` });
    expect(one).toContain('用法：`/我是谁`');
    expect(one).toContain('例如：`/我是谁`');
    const bad = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /帮助 我是谁 帮助` });
    expect(bad).toMatch(/^⚠️ 一次只能查一个命令/);
    expect(bad).toContain('例如：`/帮助 我是谁`');
  });

  it('welcomes a user who opens the single chat (enter_chat) and stays silent on feedback', async () => {
    const enter = await t.client.send({ msgid: `e${randomBytes(4).toString('hex')}`, create_time: 1700000000, aibotid: 'A', from: { userid: 'u_luo' }, msgtype: 'event', event: { eventtype: 'enter_chat' } });
    expect(enter.reply).toEqual({ msgtype: 'text', text: { content: expect.stringContaining('/帮助') } });
    const feedback = await t.client.send({ msgid: `f${randomBytes(4).toString('hex')}`, aibotid: 'A', from: { userid: 'u_luo' }, chatid: 'CHAT_T1', chattype: 'group', msgtype: 'event', event: { eventtype: 'feedback_event', feedback_event: { id: 'x', type: 1 } } });
    expect(feedback).toMatchObject({ status: 200, raw: '' });
  });

  it('finishes an unknown stream refresh at once so WeCom stops polling', async () => {
    const res = await t.client.send({ msgid: 'refresh-1', aibotid: 'A', chatid: 'CHAT_T1', chattype: 'group', from: { userid: 'u_luo' }, msgtype: 'stream', stream: { id: 'unknown-stream' } });
    expect(res.reply).toEqual({ msgtype: 'stream', stream: { id: 'unknown-stream', finish: true, content: '' } });
  });
});

describe('a callback WeCom sends twice', () => {
  it('is processed once and both attempts get the same answer', async () => {
    const msg = t.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 重发两次的问题`, msgid: `dup-${randomBytes(6).toString('hex')}` });
    const before = t.logs.length;
    const [a, b] = await Promise.all([t.client.send(msg), t.client.send(msg)]);
    const c = await t.client.send(msg);
    expect(a.reply).toEqual(b.reply);
    expect(c.reply).toEqual(a.reply);
    // One line per delivery: three deliveries, one of them ran the command.
    const handled = t.logs.slice(before).filter((l) => l.msg === 'wecom callback' && l.msgid === msg.msgid);
    expect(handled).toHaveLength(3);
    expect(handled.filter((l) => l.command === 'report' && l.result === 'ok')).toHaveLength(1);
    expect(handled.filter((l) => l.result === 'duplicate')).toHaveLength(2);
    const id = Number(/#(\d+)/.exec(JSON.stringify(a.reply))![1]);
    expect(await new LedgerStore(t.redis, createKeys(t.prefix)).history(id)).toHaveLength(1);
  });

  it('answers a re-sent read-only command again, without recording it (nothing to do twice)', async () => {
    const msg = t.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /我是谁`, msgid: `ro-${randomBytes(6).toString('hex')}` });
    const first = await t.client.send(msg);
    const again = await t.client.send(msg);
    expect(again.reply).toEqual(first.reply);
    expect(await t.redis.exists(createKeys(t.prefix).message(new MessageLog(t.redis, createKeys(t.prefix)).streamId(String(msg.msgid))))).toBe(0);
  });

  it('while another instance still works on it: an unfinished stream, then the reply on refresh', async () => {
    const msg = t.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 另一个实例在处理的问题` });
    const elsewhere = new MessageLog(t.redis, createKeys(t.prefix));
    expect(await elsewhere.claim(String(msg.msgid))).toBe('claimed');
    const first = await t.client.send(msg);
    expect(first.reply).toEqual({ msgtype: 'stream', stream: { id: elsewhere.streamId(String(msg.msgid)), finish: false, content: '处理中…' } });
    await elsewhere.complete(String(msg.msgid), { markdown: '来自另一个实例的答复' });
    const refresh = await t.client.send({ ...msg, msgid: 'r3', msgtype: 'stream', stream: { id: elsewhere.streamId(String(msg.msgid)) } });
    expect(refresh.reply).toEqual({ msgtype: 'stream', stream: { id: elsewhere.streamId(String(msg.msgid)), finish: true, content: '来自另一个实例的答复' } });
  });

  it('answers a stream refresh of a handled message with its reply', async () => {
    const msg = t.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 刷新流的问题` });
    const first = await t.client.send(msg);
    const id = (first.reply as { stream: { id: string } }).stream.id;
    const refresh = await t.client.send({ ...msg, msgid: 'r2', msgtype: 'stream', stream: { id } });
    expect(refresh.reply).toEqual(first.reply);
  });
});

describe('bad input: 4xx, one log line, nothing written, the server unharmed', () => {
  const valid = () => crypto.encrypt(JSON.stringify({ msgid: `m${randomBytes(4).toString('hex')}`, aibotid: 'A', chatid: 'CHAT_T1', chattype: 'group', from: { userid: 'u_luo' }, msgtype: 'text', text: { content: '/帮助' } }));

  const cases: Array<[string, () => Promise<Response>, number, string]> = [
    ['forged signature', () => post({ msg_signature: 'a'.repeat(40), timestamp: now(), nonce: '1' }, JSON.stringify({ encrypt: valid() })), 401, 'bad_signature'],
    ['no signature query', () => post({}, JSON.stringify({ encrypt: valid() })), 400, 'bad_query'],
    ['a body that is not JSON', () => post({ msg_signature: 'a'.repeat(40), timestamp: now(), nonce: '1' }, '{not json'), 400, 'missing_encrypt'],
    ['JSON without encrypt', () => post({ msg_signature: 'a'.repeat(40), timestamp: now(), nonce: '1' }, JSON.stringify({ hello: 1 })), 400, 'missing_encrypt'],
    ['a ciphertext that does not decrypt', () => postSigned(randomBytes(64).toString('base64')), 400, 'undecryptable'],
    ['a ciphertext for another receive id', () => postSigned(new WecomCallbackCrypto(TEST_TOKEN, TEST_AES_KEY, 'wx5823bf96d3bd56c7').encrypt('{"msgid":"x"}')), 400, 'wrong_receive_id'],
    ['a payload that is not JSON', () => postSigned(crypto.encrypt('hello')), 400, 'bad_payload'],
    ['a payload that fails the schema', () => postSigned(crypto.encrypt(JSON.stringify({ msgid: 'x', msgtype: 'text', text: { content: 'hi' } }))), 400, 'bad_payload'],
    ['an unknown msgtype', () => postSigned(crypto.encrypt(JSON.stringify({ msgid: 'x', chattype: 'group', from: { userid: 'u' }, msgtype: 'sticker' }))), 400, 'bad_payload'],
    ['a timestamp from long ago', () => postSigned(valid(), '1409659813'), 400, 'stale_timestamp'],
    ['a body over 1 MB', () => post({ msg_signature: 'a'.repeat(40), timestamp: now(), nonce: '1' }, Buffer.alloc(1024 * 1024 + 10, 0x20)), 413, 'too_large'],
  ];

  it.each(cases)('%s', async (_name, send, status, outcome) => {
    await t.app.settled(); // an earlier reply's follow-ups may still be pending (FOLLOW_UP_BATCH_MS)
    const keysBefore = await keysWithPrefix(t.redis, t.prefix);
    const before = t.logs.length;
    const res = await send();
    expect(res.status).toBe(status);
    expect(await res.text()).toBe('bad request');
    expect(t.logs.slice(before)).toEqual([expect.objectContaining({ msg: 'wecom callback', status, outcome })]);
    expect(await keysWithPrefix(t.redis, t.prefix)).toEqual(keysBefore);
    const health = await fetch(`${t.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('/healthz', () => {
  it('reports Redis, the queue and the workers, with no problems', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    const report = (await res.json()) as { checks: { workers: { outbound: number; timers: number; files: number } } };
    expect(report).toEqual({
      ok: true,
      problems: [],
      checks: {
        redis: { ok: true, at: expect.stringMatching(/^127\.0\.0\.1:\d+\/0$/), ms: expect.any(Number) },
        queue: { ok: true, deadLetters: 0, waiting: 0 },
        workers: { ok: true, outbound: expect.any(Number), timers: expect.any(Number), files: expect.any(Number), evidence: expect.any(Number) },
      },
    });
    expect(report.checks.workers.outbound).toBeGreaterThan(0);
    expect(report.checks.workers.timers).toBeGreaterThan(0);
    expect(report.checks.workers.files).toBeGreaterThan(0);
  });
});

describe('/metrics', () => {
  it('counts callbacks by outcome, times commands and shows the queues, in Prometheus text', async () => {
    const fresh = await startTestApp();
    try {
      await fresh.client.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /帮助` });
      await fetch(`${fresh.baseUrl}${CALLBACK_PATH}?msg_signature=${'a'.repeat(40)}&timestamp=${now()}&nonce=1`, { method: 'POST', body: '{"encrypt":"x"}' });
      const res = await fetch(`${fresh.baseUrl}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toContain('duban_callbacks_total{kind="callback",outcome="replied"} 1');
      expect(text).toContain('duban_callbacks_total{kind="callback",outcome="bad_signature"} 1');
      expect(text).toContain('duban_command_duration_seconds_count{command="help",outcome="ok"} 1');
      expect(text).toMatch(/duban_queue_jobs\{queue="outbound",state="failed"\} 0/);
      expect(text).toContain('duban_process_resident_memory_bytes');
    } finally {
      await fresh.stop();
    }
  });
});

describe('the timestamp window: 30 minutes behind, 5 minutes ahead (on the injectable clock)', () => {
  // A clock of our own, fixed on a whole second, so each edge is exact.
  const clock = fixedClock('2026-12-01T10:00:00+08:00');
  const at = Math.floor(clock.now().getTime() / 1000);
  let w: TestApp;
  beforeAll(async () => {
    w = await startTestApp({ clock });
  });
  afterAll(async () => {
    await w.stop();
  });

  const verifyAt = async (timestamp: number) => {
    const echostr = crypto.encrypt('1616140317555161061');
    const ts = String(timestamp);
    const res = await fetch(`${w.baseUrl}${CALLBACK_PATH}?${new URLSearchParams({ msg_signature: crypto.signature(ts, '9', echostr), timestamp: ts, nonce: '9', echostr })}`);
    return { status: res.status, body: await res.text(), outcome: w.logs.filter((l) => l.msg === 'wecom callback').at(-1)?.outcome };
  };
  const helpAt = async (timestamp: number) => {
    const ts = String(timestamp);
    const encrypt = crypto.encrypt(JSON.stringify(w.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /帮助` })));
    const res = await fetch(`${w.baseUrl}${CALLBACK_PATH}?${new URLSearchParams({ msg_signature: crypto.signature(ts, '9', encrypt), timestamp: ts, nonce: '9' })}`, { method: 'POST', body: JSON.stringify({ encrypt }) });
    const body = await res.text();
    return { status: res.status, outcome: w.logs.filter((l) => l.msg === 'wecom callback').at(-1)?.outcome, help: res.status === 200 && crypto.decrypt((JSON.parse(body) as { encrypt: string }).encrypt).includes('可用命令') };
  };

  it('the windows are 1 800 s behind and 300 s ahead', () => {
    expect([MAX_CALLBACK_AGE_SECONDS, MAX_CLOCK_SKEW_AHEAD_SECONDS]).toEqual([1800, 300]);
  });

  it.each([
    ['30 minutes behind, the oldest accepted', at - 1800, 200, 'verified'],
    ['30 minutes and a second behind', at - 1801, 400, 'stale_timestamp'],
    ['exactly now', at, 200, 'verified'],
    ['5 minutes ahead, the most skew accepted', at + 300, 200, 'verified'],
    ['5 minutes and a second ahead', at + 301, 400, 'future_timestamp'],
    ['29 minutes ahead (accepted while the window was symmetric)', at + 29 * 60, 400, 'future_timestamp'],
  ])('verification GET stamped %s', async (_name, ts, status, outcome) => {
    const res = await verifyAt(ts);
    expect({ status: res.status, outcome: res.outcome }).toEqual({ status, outcome });
    expect(res.body).toBe(status === 200 ? '1616140317555161061' : 'bad request');
  });

  it.each([
    ['30 minutes behind', at - 1800, 200, 'replied', true],
    ['30 minutes and a second behind', at - 1801, 400, 'stale_timestamp', false],
    ['5 minutes ahead', at + 300, 200, 'replied', true],
    ['5 minutes and a second ahead', at + 301, 400, 'future_timestamp', false],
  ])('message callback stamped %s', async (_name, ts, status, outcome, help) => {
    expect(await helpAt(ts)).toEqual({ status, outcome, help });
  });

  it('moves with the clock: a stamp refused as ahead is accepted once the clock has caught up', async () => {
    const ahead = at + 600;
    expect((await verifyAt(ahead)).status).toBe(400);
    clock.set(new Date((ahead - 300) * 1000));
    try {
      expect((await verifyAt(ahead)).status).toBe(200);
    } finally {
      clock.set(new Date(at * 1000));
    }
  });
});

describe('WECOM_AIBOT_ID: callbacks for another robot are refused', () => {
  let b: TestApp;
  beforeAll(async () => {
    b = await startTestApp({ env: { WECOM_AIBOT_ID: 'AIBOT_LOCAL' } });
  });
  afterAll(async () => {
    await b.stop();
  });

  it("answers this robot's messages", async () => {
    expect(await b.client.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /我是谁` })).toContain('罗志刚');
  });

  it("refuses another robot's /上报 with 403 and one log line, and writes nothing", async () => {
    await b.app.settled();
    const keysBefore = await keysWithPrefix(b.redis, b.prefix);
    const before = b.logs.length;
    const msg = { ...b.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 别的机器人收到的问题` }), aibotid: 'AIBOT_OF_ANOTHER_TEAM' };
    const res = await b.client.send(msg);
    expect(res).toEqual({ status: 403, raw: 'bad request' });
    expect(b.logs.slice(before)).toEqual([expect.objectContaining({ level: 40, msg: 'wecom callback', kind: 'callback', status: 403, outcome: 'wrong_bot' })]);
    expect(await keysWithPrefix(b.redis, b.prefix)).toEqual(keysBefore);
  });

  it('is off when unset: the shared test app answers a callback naming any robot', async () => {
    const res = await t.client.send({ ...t.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /我是谁` }), aibotid: 'AIBOT_OF_ANOTHER_TEAM' });
    expect(res.status).toBe(200);
  });
});

describe('/metrics and the detailed /healthz are for operators', () => {
  type Body = { status: number; body: unknown };
  const get = async (url: string, headers: Record<string, string> = {}): Promise<Body> => {
    const res = await fetch(url, { headers });
    const text = await res.text();
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
  const detailed = expect.objectContaining({ ok: true, problems: expect.any(Array), checks: expect.objectContaining({ redis: expect.objectContaining({ ok: true }) }) });

  describe('without ADMIN_TOKEN: loopback clients only', () => {
    it('a loopback client gets the full report and the metrics', async () => {
      expect(await get(`${t.baseUrl}/healthz`)).toEqual({ status: 200, body: detailed });
      const metrics = await get(`${t.baseUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(String(metrics.body)).toContain('duban_callbacks_total');
    });

    it.each([
      ['X-Forwarded-For: 127.0.0.1', { 'x-forwarded-for': '127.0.0.1' }],
      ['X-Forwarded-For naming a remote client', { 'x-forwarded-for': '203.0.113.9' }],
      ['Forwarded: for=127.0.0.1', { forwarded: 'for=127.0.0.1' }],
      ['X-Real-IP: 127.0.0.1', { 'x-real-ip': '127.0.0.1' }],
    ])('a request a proxy on this host forwarded (%s) is not loopback', async (_name, headers) => {
      for (const app of [t, proxied]) {
        expect(await get(`${app.baseUrl}/healthz`, headers)).toEqual({ status: 200, body: { ok: true } });
        const before = app.logs.length;
        expect(await get(`${app.baseUrl}/metrics`, headers)).toEqual({ status: 401, body: 'unauthorized' });
        expect(app.logs.slice(before)).toEqual([expect.objectContaining({ level: 40, msg: 'admin endpoint refused', path: '/metrics', reason: 'not_loopback' })]);
      }
    });

    it('a client on another address gets only {ok} and a 401', async () => {
      const address = externalAddress();
      const url = `http://${address.includes(':') ? `[${address}]` : address}:${new URL(wide.baseUrl).port}`;
      expect(await get(`${url}/healthz`)).toEqual({ status: 200, body: { ok: true } });
      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(401);
      expect(metrics.headers.get('www-authenticate')).toBe('Bearer realm="duban"');
      // The same server still serves its own host in full.
      expect(await get(`${wide.baseUrl}/healthz`)).toEqual({ status: 200, body: detailed });
    });
  });

  describe('with ADMIN_TOKEN: the bearer token, from anywhere', () => {
    const token = 'op-7f3a9c1e5b2d4068a1c3e5f7';
    it.each([
      ['no Authorization header (even from loopback)', {}, 'no_token'],
      ['a wrong token', { authorization: 'Bearer op-7f3a9c1e5b2d4068a1c3e5f8' }, 'bad_token'],
      ['the token as a prefix', { authorization: `Bearer ${token}x` }, 'bad_token'],
      ['the token cut short', { authorization: `Bearer ${token.slice(0, -1)}` }, 'bad_token'],
      ['the token in Basic auth', { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` }, 'no_token'],
      ['the token without a scheme', { authorization: token }, 'no_token'],
    ])('%s: {ok} only, metrics 401', async (_name, headers, reason) => {
      expect(await get(`${guarded.baseUrl}/healthz`, headers)).toEqual({ status: 200, body: { ok: true } });
      const before = guarded.logs.length;
      expect(await get(`${guarded.baseUrl}/metrics`, headers)).toEqual({ status: 401, body: 'unauthorized' });
      expect(guarded.logs.slice(before)).toEqual([expect.objectContaining({ msg: 'admin endpoint refused', reason })]);
      expect(JSON.stringify(guarded.logs.slice(before))).not.toContain(token);
    });

    it('the right token, even through a proxy: the full report and the metrics', async () => {
      const variants: Record<string, string>[] = [{ authorization: `Bearer ${token}` }, { authorization: `bearer ${token}`, 'x-forwarded-for': '203.0.113.9' }];
      for (const headers of variants) {
        expect(await get(`${guarded.baseUrl}/healthz`, headers)).toEqual({ status: 200, body: detailed });
        const metrics = await get(`${guarded.baseUrl}/metrics`, headers);
        expect(metrics.status).toBe(200);
        expect(String(metrics.body)).toContain('duban_queue_jobs');
      }
    });

    let guarded: TestApp;
    beforeAll(async () => {
      guarded = await startTestApp({ env: { ADMIN_TOKEN: token, RUN_WORKERS: 'false' } });
    });
    afterAll(async () => {
      await guarded.stop();
    });
  });

  let proxied: TestApp;
  let wide: TestApp;
  beforeAll(async () => {
    proxied = await startTestApp({ env: { TRUST_PROXY: 'true', RUN_WORKERS: 'false' } });
    wide = await startTestApp({ env: { HOST: '0.0.0.0', RUN_WORKERS: 'false' } });
  });
  afterAll(async () => {
    await proxied.stop();
    await wide.stop();
  });
});

/** This machine's address on a real interface: a client there is not loopback. */
function externalAddress(): string {
  const all = Object.values(os.networkInterfaces()).flatMap((i) => i ?? []);
  const found = all.find((a) => !a.internal && a.family === 'IPv4') ?? all.find((a) => !a.internal && a.family === 'IPv6' && !a.address.startsWith('fe80'));
  if (!found) throw new Error('this test needs a network interface besides loopback (none found)');
  return found.address;
}
