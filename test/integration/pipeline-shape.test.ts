import { Redis } from 'ioredis';
import pipelineModule = require('ioredis/built/Pipeline');
import { keepPipelinesOnOneShape } from '../../src/store/pipeline-shape';
import { createRedis } from '../../src/store/redis';
import { testPrefix, testRedis, testRedisUrl } from '../support/redis';

/** docs/design.md §4.22: pipelines without a getter of their own, and still ioredis's pipelines. */
describe('ioredis pipelines on one hidden class', () => {
  const redis = testRedis();
  const prefix = testPrefix();
  afterAll(async () => {
    await redis.del(`${prefix}a`, `${prefix}b`);
    await redis.quit();
  });

  it('are made by the subclass once src/store/redis.ts is loaded, and installing twice changes nothing', () => {
    const made = (pipelineModule as unknown as { default: unknown }).default;
    keepPipelinesOnOneShape();
    expect((pipelineModule as unknown as { default: unknown }).default).toBe(made);
    const p = redis.pipeline();
    expect(p).toBeInstanceOf(Object.getPrototypeOf(made) as new () => object);
    // The per-object accessor ioredis defines is gone; the prototype's answers the same.
    expect(Object.getOwnPropertyNames(p)).not.toContain('length');
    expect(p.length).toBe(0);
    p.get('x').set('y', '1');
    expect(p.length).toBe(2);
  });

  it('run explicit pipelines, MULTI and auto-pipelined commands as before', async () => {
    expect(await redis.pipeline().set(`${prefix}a`, '1').get(`${prefix}a`).exec()).toEqual([
      [null, 'OK'],
      [null, '1'],
    ]);
    expect(await redis.multi().incr(`${prefix}b`).incr(`${prefix}b`).exec()).toEqual([
      [null, 1],
      [null, 2],
    ]);
    const app = createRedis(testRedisUrl());
    await (app as Redis).connect();
    try {
      // One turn of the event loop: ioredis sends these as one auto-pipeline.
      expect(await Promise.all([app.get(`${prefix}a`), app.get(`${prefix}b`), app.exists(`${prefix}missing`)])).toEqual(['1', '2', 0]);
    } finally {
      await app.quit();
    }
  });
});
