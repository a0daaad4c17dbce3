import { describeRedis, parseRedisUrl } from '../../src/store/redis';

/** REDIS_URL names one server, a Sentinel group or a Cluster (README "Redis in production"). */
describe('parseRedisUrl', () => {
  it('reads one server: host, port, database, credentials, TLS', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380/2')).toEqual({ kind: 'single', options: { host: '127.0.0.1', port: 6380, db: 2 } });
    expect(parseRedisUrl('rediss://app:p%40ss@cache.example')).toEqual({
      kind: 'single',
      options: { host: 'cache.example', port: 6379, db: 0, username: 'app', password: 'p@ss', tls: {} },
    });
    expect(parseRedisUrl('redis://:secret@[::1]:7000')).toEqual({ kind: 'single', options: { host: '::1', port: 7000, db: 0, password: 'secret' } });
    expect(parseRedisUrl('unix:///run/redis/redis.sock')).toEqual({ kind: 'single', options: { path: '/run/redis/redis.sock' } });
  });

  it('reads Sentinel: the sentinels (default port 26379), the master name and a database', () => {
    expect(parseRedisUrl('redis-sentinel://:pw@s1,s2:26380/mymaster/3')).toEqual({
      kind: 'sentinel',
      options: { password: 'pw', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26380 }], name: 'mymaster', db: 3 },
    });
  });

  it('reads Cluster: the seed nodes and the nodes’ credentials', () => {
    expect(parseRedisUrl('rediss-cluster://u:p@n1:7000,n2:7001,n3')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }, { host: 'n3', port: 6379 }],
      options: { username: 'u', password: 'p', tls: {} },
    });
  });

  it.each([
    ['http://cache:6379', /expected redis:\/\/host:port/],
    ['redis://a:1,b:2', /use redis-sentinel:\/\/ or redis-cluster:\/\//],
    ['redis://cache/x', /bad database number "x"/],
    ['redis-sentinel://s1:26379', /needs the master name/],
    ['redis-cluster://n1:7000/1', /takes no database/],
    ['redis://cache:port', /bad host "cache:port"/],
    ['unix://', /needs a socket path/],
  ])('refuses %s, saying why', (url, why) => {
    expect(() => parseRedisUrl(url)).toThrow(why);
  });

  it('never puts the password in what it says', () => {
    for (const url of ['redis://:hunter2@cache:6379', 'redis-cluster://u:hunter2@n1:7000', 'redis-sentinel://:hunter2@s1/m']) {
      expect(describeRedis(url)).not.toContain('hunter2');
    }
    expect(describeRedis('redis-cluster://u:hunter2@n1:7000,n2:7001')).toBe('cluster n1:7000,n2:7001');
  });
});
