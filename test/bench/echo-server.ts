// The ceiling of this stack for `npm run bench`: a bare Koa server that does only what every
// callback needs — signature check, decrypt, parse, encrypt and sign a finished stream reply —
// with the same libraries duban uses. Run as a child process: `tsx test/bench/echo-server.ts PORT`.
import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import Koa from 'koa';
import getRawBody from 'raw-body';

const TOKEN = process.env.ECHO_TOKEN ?? '';
const KEY = process.env.ECHO_AES_KEY ?? '';
const app = new Koa();
app.use(async (ctx) => {
  const { msg_signature: sig, timestamp, nonce } = ctx.query as Record<string, string>;
  const body = JSON.parse(await getRawBody(ctx.req, { encoding: 'utf8', limit: '1mb' })) as { encrypt: string };
  if (getSignature(TOKEN, timestamp!, nonce!, body.encrypt) !== sig) {
    ctx.status = 401;
    return;
  }
  const msg = JSON.parse(decrypt(KEY, body.encrypt).message) as { msgid: string; text?: { content: string } };
  const reply = JSON.stringify({ msgtype: 'stream', stream: { id: msg.msgid, finish: true, content: msg.text?.content ?? '' } });
  const enc = encrypt(KEY, reply, '', randomBytes(16));
  ctx.type = 'text/plain';
  ctx.body = JSON.stringify({ encrypt: enc, msgsignature: getSignature(TOKEN, timestamp!, nonce!, enc), timestamp, nonce });
});
app.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('echo listening\n'));
