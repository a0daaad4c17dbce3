import cluster from 'node:cluster';
import path from 'node:path';

/**
 * The bench's "more processes" lever: the built server in BENCH_PROCESSES worker processes sharing
 * one port through node:cluster (the primary accepts and hands connections round-robin). Each
 * worker is `dist/src/main.js` as `npm start` runs it; they share nothing but Redis, as instances
 * behind a proxy do.
 */
const n = Math.max(1, Number(process.env.BENCH_PROCESSES ?? 2));
if (cluster.isPrimary) {
  cluster.setupPrimary({ exec: path.resolve(__dirname, '../../dist/src/main.js'), execArgv: ['--enable-source-maps'] });
  for (let i = 0; i < n; i++) cluster.fork();
  // The signal goes to each worker process itself, so duban's own SIGTERM handler stops it as
  // `npm start` would be stopped (it then lets go of the IPC channel, src/main.ts). worker.kill()
  // disconnects first and signals after, and the workers took that signal as a second one and
  // exited without a clean stop ("second signal: exiting now").
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
  cluster.on('exit', () => {
    if (!Object.keys(cluster.workers ?? {}).length) process.exit(0);
  });
}
