import { randomBytes } from 'node:crypto';
import { createKeys } from '../../src/store/keys';
import { MessageLog } from '../../src/store/message-log';
import { LedgerStore } from '../../src/store/ledger-store';
import { WecomCallbackCrypto } from '../../src/wecom/crypto';
import { CALLBACK_PATH } from '../../src/wecom/webhook-transport';
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
    await elsewhere.complete(String(msg.msgid), '来自另一个实例的答复');
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
    const report = (await res.json()) as { checks: { workers: { outbound: number; timers: number } } };
    expect(report).toEqual({
      ok: true,
      problems: [],
      checks: {
        redis: { ok: true, at: expect.stringMatching(/^127\.0\.0\.1:\d+\/0$/), ms: expect.any(Number) },
        queue: { ok: true, deadLetters: 0, waiting: 0 },
        workers: { ok: true, outbound: expect.any(Number), timers: expect.any(Number) },
      },
    });
    expect(report.checks.workers.outbound).toBeGreaterThan(0);
    expect(report.checks.workers.timers).toBeGreaterThan(0);
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
