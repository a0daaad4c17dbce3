import { captureLogs } from '../support/log-capture';

/** Secrets are censored by key, a second line of defence (src/log/logger.ts): at the top and one level down. */
describe('the logger censors secret keys', () => {
  it('at the top of a line, and one level down, the error included; nothing else changes', () => {
    const { logger, lines } = captureLogs();
    const robot = { name: '第一工作队', webhookKey: 'KEY-1', responseUrl: 'https://x/1', deep: { token: 'kept-two-levels-down' } };
    const err = Object.assign(new Error('push failed'), { token: 'TOKEN-IN-ERROR' });
    logger.warn({ token: 'T', aesKey: 'A', encodingAESKey: 'E', url: 'https://signed', sig: 'S', link: 'L', LINK_SECRET: 'LS', secret: 'SEC', robot, err, reqId: 'r1', count: 3 }, 'with secrets');
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    for (const key of ['token', 'aesKey', 'encodingAESKey', 'url', 'sig', 'link', 'LINK_SECRET', 'secret']) expect(line[key]).toBe('[redacted]');
    expect(line.robot).toEqual({ name: '第一工作队', webhookKey: '[redacted]', responseUrl: '[redacted]', deep: { token: 'kept-two-levels-down' } });
    expect(line.err).toMatchObject({ type: 'Error', message: 'push failed', token: '[redacted]' });
    expect(line).toMatchObject({ reqId: 'r1', count: 3, msg: 'with secrets' });
    // The logged objects themselves are left as they were.
    expect(robot.webhookKey).toBe('KEY-1');
    expect(err.token).toBe('TOKEN-IN-ERROR');
  });

  it('an error one level down is censored like any object there; arrays and deeper levels are not walked for secrets', () => {
    const { logger, lines } = captureLogs();
    const cause = Object.assign(new Error('inner'), { token: 'INNER-TOKEN' });
    logger.warn({ cause, list: [{ token: 'in-a-list' }], push: { to: 'u1', link: 'https://signed/x', note: { secret: 'two-down' } } }, 'nested');
    const line = lines[0]!;
    expect(line.cause).toMatchObject({ type: 'Error', message: 'inner', token: '[redacted]' });
    expect(line.list).toEqual([{ token: 'in-a-list' }]);
    expect(line.push).toEqual({ to: 'u1', link: '[redacted]', note: { secret: 'two-down' } });
  });

  it('a line without secrets is written as given', () => {
    const { logger, lines } = captureLogs();
    logger.info({ reqId: 'r2', kind: 'callback', status: 200, outcome: 'replied', command: 'report', ms: 3 }, 'wecom callback');
    expect(lines[0]).toMatchObject({ reqId: 'r2', kind: 'callback', status: 200, outcome: 'replied', command: 'report', ms: 3, msg: 'wecom callback', service: 'duban' });
  });
});
