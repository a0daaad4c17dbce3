import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../../src/store/embedded-redis';

/**
 * A real Redis Cluster on loopback: `masters` redis-server processes in cluster mode (Debian's
 * redis-server, nothing mocked), slots assigned by `redis-cli --cluster create`.
 */
export interface LocalCluster {
  /** redis-cluster://127.0.0.1:p1,127.0.0.1:p2,… — what REDIS_URL takes. */
  url: string;
  ports: number[];
  /** A plain client on one master (for CLUSTER commands and per-node checks). */
  node(port: number): Redis;
  stop(): Promise<void>;
}

const run = promisify(execFile);

export async function startRedisCluster(masters = 3): Promise<LocalCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-cluster-'));
  const children: ChildProcess[] = [];
  const clients: Redis[] = [];
  const ports: number[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        c.kill('SIGTERM');
        await once(c, 'exit');
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      // The cluster bus needs a port of its own; port + 10000 may be taken or out of range.
      const busPort = await freePort();
      const nodeDir = path.join(dir, String(port));
      await mkdir(nodeDir);
      const child = spawn('redis-server', [
        '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--protected-mode', 'yes',
        '--cluster-enabled', 'yes', '--cluster-config-file', path.join(nodeDir, 'nodes.conf'), '--cluster-node-timeout', '5000',
        '--dir', nodeDir, '--daemonize', 'no', '--logfile', '', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      ports.push(port);
      const lines = readline.createInterface({ input: child.stdout! });
      await new Promise<void>((resolve, reject) => {
        lines.on('line', (l) => l.includes('Ready to accept connections') && resolve());
        child.once('exit', (code) => reject(new Error(`redis-server on ${port} exited (${code}) before it was ready`)));
      });
      child.stdout!.resume();
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) clients.push(new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 }));
    // Nodes agree on the slot map through the bus a moment after create; nothing announces it.
    const end = Date.now() + 15_000;
    for (;;) {
      const infos = await Promise.all(clients.map((c) => c.cluster('INFO')));
      if (infos.every((i) => /cluster_state:ok/.test(String(i)) && /cluster_known_nodes:(\d+)/.exec(String(i))?.[1] === String(masters))) break;
      if (Date.now() > end) throw new Error(`cluster not ok within 15 s:\n${infos.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ports,
    node: (port) => clients[ports.indexOf(port)]!,
    stop,
  };
}
