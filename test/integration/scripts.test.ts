import { readdirSync } from 'node:fs';
import path from 'node:path';
import { defineScripts, SCRIPT_FILES } from '../../src/store/scripts';
import { testPrefix, testRedis } from '../support/redis';
import { monitorRedis } from '../support/monitor';

describe('the script registry (src/store/scripts.ts)', () => {
  it('names every Lua file once, so each is defined when a client is made', () => {
    const files = readdirSync(path.join(__dirname, '..', '..', 'src', 'store', 'lua')).filter((f) => f.endsWith('.lua')).sort();
    expect([...SCRIPT_FILES].sort()).toEqual(files);
  });

  describe('on a client', () => {
    const redis = testRedis();
    const key = `${testPrefix()}lease`;
    afterAll(() => redis.quit());

    it('sends the body first, the SHA after, and the body again when Redis has forgotten it', async () => {
      defineScripts(redis);
      const sent: string[] = [];
      const monitor = await monitorRedis(redis);
      // MONITOR sees commands in the order Redis ran them; an ECHO marks the end of the story.
      const ended = new Promise<void>((resolve) => {
        monitor.on('monitor', (_time: string, args: string[]) => {
          const name = args[0]?.toLowerCase();
          if (name === 'eval' || name === 'evalsha') sent.push(name);
          if (name === 'echo' && args[1] === 'end-of-story') resolve();
        });
      });
      try {
        await redis.set(key, 'tok');
        expect(await redis.leaseRenew(key, 'tok', 5000)).toBe(1);
        expect(await redis.leaseRenew(key, 'other', 5000)).toBe(0);
        await redis.script('FLUSH');
        // The forgotten script still runs: NOSCRIPT, then the body.
        expect(await redis.leaseRenew(key, 'tok', 5000)).toBe(1);
        expect(await redis.pttl(key)).toBeGreaterThan(4000);
        await redis.echo('end-of-story');
        await ended;
        expect(sent).toEqual(['eval', 'evalsha', 'evalsha', 'eval']);
      } finally {
        monitor.disconnect();
        await redis.del(key);
      }
    });

    it('passes Redis errors other than NOSCRIPT to the caller', async () => {
      defineScripts(redis);
      await redis.set(key, 'tok');
      await redis.leaseRenew(key, 'tok', 5000);
      await expect(redis.leaseRenew(key, 'tok', 'not a number' as unknown as number)).rejects.toThrow(/ERR/);
      await redis.del(key);
    });
  });
});
