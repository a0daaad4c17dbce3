import type { Redis } from 'ioredis';

/** Every key of a database with its DUMP payload (hex) and whether/how long it lives, to compare two servers key by key. */
export interface KeyDump {
  payload: string;
  /** -1: no expiry; else the remaining ms. */
  pttl: number;
}

export async function dumpAll(redis: Redis): Promise<Map<string, KeyDump>> {
  const out = new Map<string, KeyDump>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scanBuffer(cursor, 'COUNT', 1000);
    cursor = String(next);
    const pipe = redis.pipeline();
    for (const k of batch) pipe.dumpBuffer(k).pttl(k);
    const got = (await pipe.exec()) ?? [];
    batch.forEach((k, i) => {
      const payload = got[2 * i]![1] as Buffer | null;
      if (payload) out.set(k.toString('utf8'), { payload: payload.toString('hex'), pttl: Number(got[2 * i + 1]![1]) });
    });
  } while (cursor !== '0');
  return out;
}
