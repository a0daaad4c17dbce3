import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from '../../src/store/embedded-redis';

/**
 * A Redis Sentinel on loopback watching one master (Debian's redis-server in sentinel mode,
 * nothing mocked): what `redis-sentinel://…/<name>` points at.
 */
export interface LocalSentinel {
  port: number;
  stop(): Promise<void>;
}

export async function startSentinel(dir: string, master: { host: string; port: number }, name: string): Promise<LocalSentinel> {
  const port = await freePort();
  const conf = path.join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it gets one of its own.
  await writeFile(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} ${master.host} ${master.port} 1`, ''].join('\n'));
  const child: ChildProcess = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = readline.createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    // "+monitor master …": it knows the master and answers get-master-addr-by-name.
    lines.on('line', (l) => l.includes('+monitor master') && resolve());
    child.once('exit', (code) => reject(new Error(`redis sentinel exited (${code}) before it monitored ${name}`)));
  });
  child.stdout!.resume();
  return {
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
