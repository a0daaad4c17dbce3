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
  /** Resolves on the next line of Sentinel's log that contains `text` (e.g. "+switch-master"). */
  nextLog(text: string): Promise<string>;
  stop(): Promise<void>;
}

/** A replica of `master` on loopback (Debian's redis-server, `--replicaof`), for failover tests. */
export async function startReplica(dir: string, master: { host: string; port: number; password?: string | undefined }): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  // The master's password both to replicate and for its own clients, so a promoted replica takes the same login.
  const auth = master.password ? `masterauth ${master.password}\nrequirepass ${master.password}\n` : '';
  const child = spawn('redis-server', ['-', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--replicaof', master.host, String(master.port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end(auth);
  const lines = readline.createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => l.includes('MASTER <-> REPLICA sync: Finished with success') && resolve());
    child.once('exit', (code) => reject(new Error(`replica exited (${code}) before its first sync`)));
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

export async function startSentinel(dir: string, master: { host: string; port: number; password?: string | undefined }, name: string, replicas = 0): Promise<LocalSentinel> {
  const port = await freePort();
  const conf = path.join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so it gets one of its own.
  // Quorum 1 and short timeouts: one sentinel decides, and a dead master is failed over in about a second.
  await writeFile(
    conf,
    [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} ${master.host} ${master.port} 1`, `sentinel down-after-milliseconds ${name} 500`, `sentinel failover-timeout ${name} 5000`, ...(master.password ? [`sentinel auth-pass ${name} ${master.password}`] : []), ''].join('\n'),
  );
  const child: ChildProcess = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const waiting: { text: string; resolve: (line: string) => void }[] = [];
  lines.on('line', (l) => {
    for (const w of waiting.filter((x) => l.includes(x.text))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve(l);
    }
  });
  const nextLog = (text: string) => new Promise<string>((resolve) => waiting.push({ text, resolve }));
  await new Promise<void>((resolve, reject) => {
    // "+monitor master …": it knows the master and answers get-master-addr-by-name; "+slave …"
    // once per replica it found (only then can it fail over).
    const ready = [nextLog('+monitor master'), ...Array.from({ length: replicas }, () => nextLog('+slave slave'))];
    void Promise.all(ready).then(() => resolve());
    child.once('exit', (code) => reject(new Error(`redis sentinel exited (${code}) before it monitored ${name}`)));
  });
  return {
    port,
    nextLog,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
