import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { z } from 'zod';
import { systemClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { MessageLog } from '../../src/store/message-log';
import { CallbackClient } from '../../src/wecom/callback-client';
import { WecomCallbackCrypto } from '../../src/wecom/crypto';
import { MAX_REPLY_BYTES } from '../../src/wecom/reply-limit';
import { WebhookTransport } from '../../src/wecom/webhook-transport';
import { BOT_NAME, TEST_AES_KEY, TEST_TOKEN } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { captureLogs } from '../support/log-capture';
import { testPrefix, testRedis } from '../support/redis';

/**
 * The callback transport's framing of a click's words (the follow-up posted to response_url):
 * cut to WeCom's reply limit like every other reply, whatever the pipeline answered.
 */
const redis = testRedis();
let wecom: FakeWecom;
let server: ReturnType<Koa['listen']>;
let client: CallbackClient;
let transport: WebhookTransport;

beforeAll(async () => {
  wecom = new FakeWecom();
  await wecom.start();
  transport = new WebhookTransport({ crypto: new WecomCallbackCrypto(TEST_TOKEN, TEST_AES_KEY), messages: new MessageLog(redis, createKeys(testPrefix())), botNames: [BOT_NAME], clock: systemClock, logger: captureLogs().logger });
  // Any pipeline's answer to a click: here one far longer than a reply may be.
  await transport.start(async () => ({ markdown: `${'很长的回答'.repeat(3000)}` }));
  const koa = new Koa();
  koa.use(transport.router.routes());
  server = koa.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  client = new CallbackClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, TEST_TOKEN, TEST_AES_KEY);
});
afterAll(async () => {
  await transport.stop();
  await new Promise((r) => server.close(r));
  await wecom.stop();
  await redis.quit();
});

it("cuts a click's words to the reply limit before posting them to response_url", async () => {
  expect(await client.click({ userId: 'u_luo', taskId: 'i1-assigned-0a1b2c3d', eventKey: 'show', responseUrl: wecom.responseUrl('long') })).toBeUndefined();
  const posts = await wecom.waitForResponse((ps) => ps.some((p) => p.code === 'long'));
  const content = z.object({ markdown: z.object({ content: z.string() }) }).parse(posts.find((p) => p.code === 'long')!.body).markdown.content;
  expect(Buffer.byteLength(content)).toBeLessThanOrEqual(MAX_REPLY_BYTES);
  expect(content).toMatch(/^很长的回答很长的回答.*…（内容过长，已截断）$/su);
});
