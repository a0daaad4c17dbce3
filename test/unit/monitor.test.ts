import net from 'node:net';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { monitorArgs, monitorRedis } from '../support/monitor';

describe('the MONITOR helper', () => {
  it('decodes Redis quoting back to the strings that were sent', () => {
    const zh = Buffer.from('整改', 'utf8');
    const quoted = `"set" "k" "${[...zh].map((b) => `\\x${b.toString(16)}`).join('')}" "a\\" \\"b" "\\\\n\\n"`;
    expect(monitorArgs(quoted)).toEqual(['set', 'k', '整改', 'a" "b', '\\n\n']);
  });

  it('takes lines that arrive with MONITOR\'s OK in one read as monitored commands', async () => {
    // ioredis's own monitor() throws "Command queue state error" on exactly this chunking.
    const server = net.createServer((socket) => {
      socket.once('data', () => socket.write('+OK\r\n+1796327618.169428 [0 127.0.0.1:51148] "zrem" "t:{ledger}:followups" "9:1"\r\n'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
    try {
      const monitor = await monitorRedis(redis);
      const [time, args, source, db] = await new Promise<unknown[]>((resolve) => monitor.on('monitor', (...seen) => resolve(seen)));
      monitor.disconnect();
      expect({ time, args, source, db }).toEqual({ time: '1796327618.169428', args: ['zrem', 't:{ledger}:followups', '9:1'], source: '127.0.0.1:51148', db: '0' });
    } finally {
      redis.disconnect();
      server.close();
    }
  });
});
