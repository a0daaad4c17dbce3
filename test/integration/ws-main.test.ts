import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from '../../src/store/embedded-redis';
import { ExitCode } from '../../src/exit-codes';
import { FakeWsServer } from '../support/fake-ws-server';
import { testPrefix, testRedisUrl } from '../support/redis';

/**
 * `npm start` with WECOM_TRANSPORT=ws as a real process: no callback Token or AES key (in
 * production too), none generated, the long connection up, no callback route, a clean stop.
 */
const root = path.resolve(__dirname, '../..');
let server: FakeWsServer;
let child: ChildProcess | undefined;

beforeAll(async () => {
  server = new FakeWsServer();
  await server.start();
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await server.stop();
});

it('runs in production on the long connection alone, and stops cleanly', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-ws-main-'));
  const port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      TZ: 'Asia/Shanghai',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dir,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: testPrefix(),
      WECOM_TRANSPORT: 'ws',
      WECOM_BOT_ID: 'BOT_MAIN',
      WECOM_BOT_SECRET: 'MainProcessSecret0123456789',
      WECOM_WS_URL: server.url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: Record<string, unknown>[] = [];
  const up = new Promise<void>((resolve, reject) => {
    const rl = readline.createInterface({ input: child!.stdout! });
    rl.on('line', (l) => {
      if (!l.startsWith('{')) return;
      lines.push(JSON.parse(l) as Record<string, unknown>);
      if (lines.some((x) => x.msg === 'long connection up') && lines.some((x) => x.msg === 'duban listening')) resolve();
    });
    rl.on('close', () => reject(new Error(`exited before the long connection was up: ${stderr}`)));
  });
  await up;
  expect(server.frames.find((f) => f.cmd === 'aibot_subscribe')?.body).toEqual({ bot_id: 'BOT_MAIN', secret: 'MainProcessSecret0123456789' });
  expect(existsSync(path.join(dir, 'dev-credentials.json'))).toBe(false);
  const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { ok: boolean; checks: { transport: { state: string } } };
  expect(health).toMatchObject({ ok: true, checks: { transport: { state: 'connected' } } });
  expect((await fetch(`http://127.0.0.1:${port}/wecom/callback`)).status).toBe(404);
  expect(JSON.stringify(lines)).not.toContain('MainProcessSecret0123456789');

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(ExitCode.ok);
  await server.waitForNoConnection();
});
