import type { Redis } from 'ioredis';
import { withoutCommandArgs } from '../../src/log/logger';
import { captureLogs } from '../support/log-capture';
import { testPrefix, testRedis } from '../support/redis';

/**
 * ioredis errors carry `command: { name, args }`, and the args are keys and values: message text,
 * notes, tokens. Real errors from a real Redis, logged through the real logger: no line carries
 * an argument, every line keeps the command's name and the error's type and message.
 */
const SECRET = '机密：村民举报内容 u_luo 13800001111';
let redis: Redis;
let prefix: string;
beforeAll(() => {
  redis = testRedis();
  prefix = testPrefix();
});
afterAll(async () => {
  await redis.quit();
});

async function replyError(run: () => Promise<unknown>): Promise<Error & { command?: { name: string; args: unknown[] } }> {
  try {
    await run();
  } catch (err) {
    return err as Error & { command?: { name: string; args: unknown[] } };
  }
  throw new Error('Redis accepted the command');
}

describe('logs never carry Redis command arguments', () => {
  it('a ReplyError logged as err keeps its type, message and command name, not the args', async () => {
    const err = await replyError(() => redis.call('SET', `${prefix}k`, SECRET, 'NOT-AN-OPTION'));
    // The real error does carry them: this is what must not reach a line.
    expect(err.name).toBe('ReplyError');
    expect(err.command).toEqual({ name: 'SET', args: [`${prefix}k`, SECRET, 'NOT-AN-OPTION'] });
    const { logger, lines } = captureLogs();
    logger.error({ err, reqId: 'r1' }, 'callback failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'callback failed', reqId: 'r1', err: { type: err.constructor.name, message: expect.stringMatching(/^ERR syntax error/), command: { name: 'SET' } } });
    expect((lines[0]!.err as { command: object }).command).toEqual({ name: 'SET' });
    expect(JSON.stringify(lines[0])).not.toContain('机密');
    expect(JSON.stringify(lines[0])).not.toContain(prefix);
    // The error itself is left as it was (the caller may still need it).
    expect(err.command?.args).toHaveLength(3);
  });

  it('an error logged as the first argument, under another key, or as a cause', async () => {
    const err = await replyError(async () => {
      await redis.set(`${prefix}str`, SECRET);
      return redis.hset(`${prefix}str`, 'note', SECRET);
    });
    expect(err.message).toMatch(/^WRONGTYPE/);
    expect(err.command?.args).toContain(SECRET);
    const { logger, lines } = captureLogs();
    logger.error(err, 'first argument');
    logger.warn({ error: err }, 'another key');
    logger.warn({ err: new Error('store write failed', { cause: err }) }, 'as a cause');
    logger.warn({ failures: [{ err }] }, 'inside an array');
    expect(lines.map((l) => l.msg)).toEqual(['first argument', 'another key', 'as a cause', 'inside an array']);
    for (const l of lines) {
      expect(JSON.stringify(l)).not.toContain('机密');
      expect(JSON.stringify(l)).toContain('WRONGTYPE');
    }
    // pino folds a cause into the message and stack; the others keep the command's name.
    for (const i of [0, 1, 3]) expect(JSON.stringify(lines[i])).toContain('"command":{"name":"hset"}');
    expect(lines[1]!.error).toMatchObject({ type: err.constructor.name, message: expect.stringMatching(/^WRONGTYPE/), command: { name: 'hset' } });
  });

  it("an EXECABORT's previousErrors, and the arguments Redis quotes in an unknown command's message", async () => {
    const err = await replyError(() => redis.multi().set(`${prefix}a`, SECRET).call('NO-SUCH-COMMAND', SECRET, 'x').exec());
    expect(err.message).toMatch(/^EXECABORT/);
    const previous = (err as unknown as { previousErrors: Error[] }).previousErrors;
    expect(previous[0]!.message).toContain(SECRET); // Redis itself echoes the first arguments
    const { logger, lines } = captureLogs();
    logger.error({ err }, 'transaction failed');
    logger.error({ err: previous[0] }, 'unknown command');
    expect(lines[0]).toMatchObject({ err: { message: expect.stringMatching(/^EXECABORT/), command: { name: 'exec' }, previousErrors: [{ message: "ERR unknown command 'NO-SUCH-COMMAND', with args beginning with: [redacted]", command: { name: 'NO-SUCH-COMMAND' } }] } });
    expect(lines[1]).toMatchObject({ err: { message: "ERR unknown command 'NO-SUCH-COMMAND', with args beginning with: [redacted]" } });
    for (const l of lines) expect(JSON.stringify(l)).not.toContain('机密');
  });

  it('drops any args property a caller logs, at any depth, and keeps everything else', () => {
    const { logger, lines } = captureLogs();
    logger.info({ args: [SECRET], job: { name: 'remind', args: { text: SECRET }, id: 7 }, issue: 12 }, 'job done');
    expect(lines[0]).toMatchObject({ msg: 'job done', job: { name: 'remind', id: 7 }, issue: 12 });
    expect(lines[0]).not.toHaveProperty('args');
    expect(lines[0]!.job).not.toHaveProperty('args');
  });

  it('does not copy a line that has nothing to drop', () => {
    const object = { reqId: 'r', nested: { a: [1, 2, { b: 'c' }] }, at: new Date(0), buf: Buffer.from('x') };
    expect(withoutCommandArgs(object)).toBe(object);
  });
});
