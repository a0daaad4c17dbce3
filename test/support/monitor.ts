import net from 'node:net';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

/**
 * MONITOR on a raw socket, for tests that assert on the commands Redis ran.
 *
 * Not ioredis's `redis.monitor()`: it marks the connection as monitoring only in a `.then` after
 * MONITOR's +OK, so when the OK and the first monitored lines arrive in one TCP read (a busy
 * machine, a busy server) those lines are taken as replies to no command and ioredis throws
 * "Command queue state error" out of its socket handler. Here the first OK(s) are counted off
 * and every later line is a monitored command, whatever the chunking.
 *
 * Arguments are decoded from Redis's quoted form (\" \\ \n \r \t \a \b \xHH), so a Chinese
 * argument comes back as the string that was sent and `Buffer.byteLength` is its size on the wire.
 */
export interface Monitor {
  on(event: 'monitor', listener: (time: string, args: string[], source: string, db: string) => void): this;
  disconnect(): void;
}

const ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, a: 0x07, b: 0x08, '"': 0x22, '\\': 0x5c };

/** The quoted arguments of one MONITOR line, decoded to UTF-8 strings. */
export function monitorArgs(quoted: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < quoted.length) {
    if (quoted[i] !== '"') {
      i++;
      continue;
    }
    const bytes: number[] = [];
    i++;
    while (i < quoted.length && quoted[i] !== '"') {
      const ch = quoted[i]!;
      if (ch === '\\') {
        const next = quoted[i + 1]!;
        if (next === 'x') {
          bytes.push(parseInt(quoted.slice(i + 2, i + 4), 16));
          i += 4;
        } else {
          bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
          i += 2;
        }
      } else {
        // Redis quotes only printable ASCII as itself.
        bytes.push(ch.charCodeAt(0));
        i++;
      }
    }
    args.push(Buffer.from(bytes).toString('utf8'));
    i++;
  }
  return args;
}

function command(...parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}

/** Starts MONITOR on the server `of` talks to; resolves once Redis has acknowledged it. */
export function monitorRedis(of: Redis): Promise<Monitor> {
  const o = of.options;
  const socket = o.path ? net.connect(o.path) : net.connect(o.port ?? 6379, o.host ?? '127.0.0.1');
  socket.setEncoding('latin1');
  const events = new EventEmitter();
  const monitor: Monitor = {
    on(event, listener) {
      events.on(event, listener);
      return monitor;
    },
    disconnect() {
      socket.destroy();
    },
  };
  const hello = [...(o.password ? [o.username ? command('AUTH', o.username, o.password) : command('AUTH', o.password)] : []), ...(o.db ? [command('SELECT', String(o.db))] : []), command('MONITOR')];
  let oks = hello.length;
  // Lines that came in the read that carried the OK wait one turn, so the caller's listener,
  // attached after `await`, sees them.
  let listening = false;
  let buffered = '';
  return new Promise<Monitor>((resolve, reject) => {
    const drain = () => {
      let end: number;
      while ((listening || oks > 0) && (end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (line.startsWith('-')) {
          reject(new Error(`MONITOR refused: ${line.slice(1)}`));
          socket.destroy();
          return;
        }
        if (oks > 0) {
          if (--oks === 0) {
            resolve(monitor);
            setImmediate(() => {
              listening = true;
              drain();
            });
          }
          continue;
        }
        // +1700000000.123456 [0 127.0.0.1:51148] "zrem" "key" "member"
        const space = line.indexOf(' ');
        const close = line.indexOf('] ');
        const [db = '', source = ''] = line.slice(space + 2, close).split(' ');
        events.emit('monitor', line.slice(1, space), monitorArgs(line.slice(close + 2)), source, db);
      }
    };
    socket.on('error', reject);
    socket.on('connect', () => socket.write(hello.join('')));
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      drain();
    });
  });
}
