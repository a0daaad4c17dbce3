import { isLoopbackAddress, sameSecret } from '../../src/server/admin-access';

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('%s is this host', (a) => {
    expect(isLoopbackAddress(a)).toBe(true);
  });
  it.each(['192.0.2.2', '10.0.0.1', '0.0.0.0', '::', 'fd00::2', '::ffff:10.0.0.1', '::ffff:128.0.0.1', '128.0.0.1', '1127.0.0.1', 'localhost', '', undefined])('%s is not', (a) => {
    expect(isLoopbackAddress(a)).toBe(false);
  });
});

describe('sameSecret', () => {
  it('is true only for the same string, whatever the lengths', () => {
    expect(sameSecret('op-7f3a9c1e5b2d4068', 'op-7f3a9c1e5b2d4068')).toBe(true);
    expect(sameSecret('op-7f3a9c1e5b2d406', 'op-7f3a9c1e5b2d4068')).toBe(false);
    expect(sameSecret('op-7f3a9c1e5b2d40689', 'op-7f3a9c1e5b2d4068')).toBe(false);
    expect(sameSecret('', 'op-7f3a9c1e5b2d4068')).toBe(false);
    expect(sameSecret('OP-7F3A9C1E5B2D4068', 'op-7f3a9c1e5b2d4068')).toBe(false);
  });
});
