import { once } from 'node:events';
import net from 'node:net';
import { redisOptions } from '../../src/store/redis';
import { testRedisUrl } from './redis';

/**
 * A loopback TCP link in front of the tests' Redis, for one app instance, that can be cut:
 * `hold` keeps the sockets open and forwards nothing (a half-open network: commands hang),
 * `refuse` closes them and every new one (Redis down: commands fail at once). `restore` forwards
 * again, what was held first.
 */
export class TcpLink {
  private readonly server = net.createServer((client) => this.connect(client));
  private readonly links = new Set<{ client: net.Socket; upstream: net.Socket; up: Buffer[]; down: Buffer[] }>();
  private mode: 'open' | 'hold' | 'refuse' = 'open';
  private readonly target = redisOptions(testRedisUrl());
  port = 0;

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** A REDIS_URL through this link. */
  get url(): string {
    return `redis://:${this.target.password ?? ''}@127.0.0.1:${this.port}/${this.target.db ?? 0}`;
  }

  hold(): void {
    this.mode = 'hold';
  }

  /** Whether a command the app sent while held, not yet forwarded, carries `needle` (e.g. a message's key). */
  holds(needle: string): boolean {
    for (const l of this.links) if (Buffer.concat(l.up).includes(needle)) return true;
    return false;
  }

  refuse(): void {
    this.mode = 'refuse';
    for (const l of this.links) l.client.destroy();
  }

  restore(): void {
    this.mode = 'open';
    for (const l of this.links) {
      for (const chunk of l.up.splice(0)) l.upstream.write(chunk);
      for (const chunk of l.down.splice(0)) l.client.write(chunk);
    }
  }

  async stop(): Promise<void> {
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
    this.server.close();
    await once(this.server, 'close');
  }

  private connect(client: net.Socket): void {
    if (this.mode === 'refuse') return void client.destroy();
    const upstream = net.connect(this.target.port!, this.target.host!);
    const link = { client, upstream, up: [] as Buffer[], down: [] as Buffer[] };
    this.links.add(link);
    upstream.on('data', (chunk: Buffer) => {
      if (this.mode === 'open') client.write(chunk);
      else link.down.push(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (this.mode === 'open') upstream.write(chunk);
      else link.up.push(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.links.delete(link);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }
}
