import type { EmbeddedRedis } from '../../src/store/embedded-redis';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __dubanRedis?: EmbeddedRedis }).__dubanRedis?.stop();
}
