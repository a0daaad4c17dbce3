// A steady load for a long time, to show memory stays flat: `npm run soak` (30 min by default).
// Not part of CI. SOAK_MINUTES, SOAK_RATE (requests/s) and SOAK_SAMPLE_S tune it.
process.env.TZ ??= 'Asia/Shanghai';

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { freePort, startEmbeddedRedis } from '../../src/store/embedded-redis';
import { CallbackClient } from '../../src/wecom/callback-client';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const RATE = Number(process.env.SOAK_RATE ?? 40);
const SAMPLE_S = Number(process.env.SOAK_SAMPLE_S ?? 60);
const TOKEN = 'SoakToken1';
const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const root = path.resolve(__dirname, '../..');

/** The realistic mix of docs/design.md §4: reports, fixes, verifications, looks and status. */
function* mix(): Generator<{ user: string; text: string }> {
  for (let i = 0; ; i++) {
    const id = Math.max(1, i - 3);
    yield { user: 'u_t1_m2', text: `/上报 斑竹村 持续负载问题${i}` };
    yield { user: 'u_sec_banzhu', text: `/整改 #${id} 已整改` };
    yield { user: 'u_t1_m3', text: `/销号 #${id}` };
    yield { user: 'u_luo', text: `/查看 #${id}` };
    yield { user: 'u_luo', text: '/status' };
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-soak-'));
  const redis = await startEmbeddedRedis({ dir: path.join(dir, 'redis'), logger: pino({ level: 'silent' }) });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    const build = spawn('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
    build.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build exited ${code}`))));
  });
  const server = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: root,
    env: { ...process.env, ADMIN_TOKEN: '', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), REDIS_URL: redis.url, WECOM_TOKEN: TOKEN, WECOM_ENCODING_AES_KEY: KEY, LOG_LEVEL: 'warn', DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A server that dies mid-soak ends it, saying so (its requests would only count as failed).
  const died = new Promise<never>((_, reject) => server.once('exit', (code, signal) => reject(new Error(`the server exited (${code ?? signal}) during the soak`))));
  died.catch(() => undefined);
  const stop = async () => {
    // Only a running server sends an exit event still to come.
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    await waitHealthy(port);
    const client = new CallbackClient(`http://127.0.0.1:${port}`, TOKEN, KEY);
    const messages = mix();
    const started = Date.now();
    const end = started + MINUTES * 60_000;
    let sent = 0;
    let failed = 0;
    const samples: { min: number; rssMb: number; heapMb: number; reqs: number }[] = [];
    const sample = async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
      samples.push({ min: (Date.now() - started) / 60_000, rssMb: metric('duban_process_resident_memory_bytes'), heapMb: metric('duban_nodejs_heap_size_used_bytes'), reqs: sent });
      const s = samples[samples.length - 1]!;
      process.stdout.write(`${s.min.toFixed(1).padStart(5)} min  rss ${s.rssMb.toFixed(1)} MB  heap ${s.heapMb.toFixed(1)} MB  ${s.reqs} requests, ${failed} failed\n`);
    };
    await sample();
    let nextSample = Date.now() + SAMPLE_S * 1000;
    // A steady rate: one message every 1000/RATE ms, a few in flight at most.
    while (Date.now() < end) {
      const tickEnd = Date.now() + 1000;
      await Promise.all(
        Array.from({ length: RATE }, async () => {
          const m = messages.next().value!;
          await client.say({ chatId: 'CHAT_T1', userId: m.user, text: `@督办助手 ${m.text}` }).then(
            () => void sent++,
            () => void failed++,
          );
        }),
      );
      if (Date.now() >= nextSample) {
        await Promise.race([sample(), died]);
        nextSample += SAMPLE_S * 1000;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, tickEnd - Date.now())));
    }
    await sample();
    const settled = samples.slice(Math.floor(samples.length / 3));
    const first = settled[0]!;
    const last = settled[settled.length - 1]!;
    process.stdout.write(
      `\nsoak: ${MINUTES} min at ${RATE}/s, ${sent} requests, ${failed} failed; rss ${first.rssMb.toFixed(1)} → ${last.rssMb.toFixed(1)} MB, heap ${first.heapMb.toFixed(1)} → ${last.heapMb.toFixed(1)} MB after warm-up (first third left out)\n`,
    );
  } finally {
    await stop();
  }
}

async function waitHealthy(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server not healthy in 20 s');
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
