import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { BOT_NAME, TEST_AES_KEY, TEST_TOKEN } from './app';
import { testRedisUrl } from './redis';

const root = path.resolve(__dirname, '../..');

/**
 * The server as its own process on the test Redis (`src/main.ts` with tsx as a loader, not its
 * wrapper, so a SIGKILL reaches the server itself), without workers; `preload`: modules imported
 * before it (a fault to inject). Resolves once it listens.
 */
export async function startServerProcess(opts: { prefix: string; port: number; preload?: string[] }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...(opts.preload ?? []).flatMap((m) => ['--import', m]), 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '', TZ: 'Asia/Shanghai', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(opts.port),
      REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: opts.prefix, RUN_WORKERS: 'false', WECOM_TOKEN: TEST_TOKEN, WECOM_ENCODING_AES_KEY: TEST_AES_KEY, WECOM_BOT_NAMES: BOT_NAME,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => l.includes('"duban listening"') && resolve());
    child.once('exit', () => reject(new Error('server exited before listening')));
  });
  return child;
}
