import path from 'node:path';
import { ConfigError, loadEnv } from '../../src/config/env';

/** The ConfigError loadEnv throws for `source`; fails the test when it accepts the source. */
function configError(source: NodeJS.ProcessEnv): ConfigError {
  try {
    loadEnv(source);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`loadEnv accepted ${JSON.stringify(source)}`);
}

describe('loadEnv defaults (docs/design.md §7)', () => {
  const env = loadEnv({});

  it('listens on port 3000 in development with the webhook transport', () => {
    expect(env.PORT).toBe(3000);
    expect(env.NODE_ENV).toBe('development');
    expect(env.WECOM_TRANSPORT).toBe('webhook');
    expect(env.LOG_LEVEL).toBe('info');
  });

  it('listens on loopback only (HOST=0.0.0.0 opens it to the network)', () => {
    expect(env.HOST).toBe('127.0.0.1');
    expect(loadEnv({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });

  it('has no admin token and no robot id: metrics for loopback only, callbacks of any robot id', () => {
    expect(env.ADMIN_TOKEN).toBeUndefined();
    expect(env.WECOM_AIBOT_ID).toBeUndefined();
  });

  it("points at WeCom's API host", () => {
    expect(env.WECOM_API_BASE).toBe('https://qyapi.weixin.qq.com');
  });

  it("leaves the workers' lock and stalled check to BullMQ (JOB_LOCK_MS, JOB_STALLED_INTERVAL_MS unset)", () => {
    expect(env.JOB_LOCK_MS).toBeUndefined();
    expect(env.JOB_STALLED_INTERVAL_MS).toBeUndefined();
  });

  it('uses the duban: key prefix and an embedded Redis (no REDIS_URL)', () => {
    expect(env.REDIS_KEY_PREFIX).toBe('duban:');
    expect(env.REDIS_URL).toBeUndefined();
  });

  it('resolves DATA_DIR ./data to an absolute path', () => {
    expect(path.isAbsolute(env.DATA_DIR)).toBe(true);
    expect(env.DATA_DIR).toBe(path.resolve('data'));
  });

  it('names the bot 督办助手 and leaves ORG_FILE to the demo default', () => {
    expect(env.WECOM_BOT_NAMES).toEqual(['督办助手']);
    expect(env.ORG_FILE).toBeUndefined();
  });
});

describe('loadEnv accepted values', () => {
  it('strips trailing slashes from WECOM_API_BASE', () => {
    expect(loadEnv({ WECOM_API_BASE: 'http://127.0.0.1:8080/' }).WECOM_API_BASE).toBe('http://127.0.0.1:8080');
    expect(loadEnv({ WECOM_API_BASE: 'https://fake.test/base//' }).WECOM_API_BASE).toBe('https://fake.test/base');
  });

  it('splits WECOM_BOT_NAMES on ASCII and full-width commas, trimming each name', () => {
    expect(loadEnv({ WECOM_BOT_NAMES: '督办, 督办助手，小督 ' }).WECOM_BOT_NAMES).toEqual(['督办', '督办助手', '小督']);
  });

  it('keeps a bot name that contains a space', () => {
    expect(loadEnv({ WECOM_BOT_NAMES: '督办 助手,督办' }).WECOM_BOT_NAMES).toEqual(['督办 助手', '督办']);
  });

  it('resolves relative DATA_DIR and ORG_FILE against the working directory', () => {
    const env = loadEnv({ DATA_DIR: 'var/duban', ORG_FILE: 'org/district.yaml' });
    expect(env.DATA_DIR).toBe(path.resolve('var/duban'));
    expect(env.ORG_FILE).toBe(path.resolve('org/district.yaml'));
  });

  it('coerces PORT to a number, including 0 (any free port)', () => {
    expect(loadEnv({ PORT: '8080' }).PORT).toBe(8080);
    expect(loadEnv({ PORT: '0' }).PORT).toBe(0);
  });

  it('reads JOB_LOCK_MS and JOB_STALLED_INTERVAL_MS as milliseconds', () => {
    expect(loadEnv({ JOB_LOCK_MS: '5000', JOB_STALLED_INTERVAL_MS: '1' })).toMatchObject({ JOB_LOCK_MS: 5000, JOB_STALLED_INTERVAL_MS: 1 });
  });

  it('reads ADMIN_TOKEN and WECOM_AIBOT_ID as given', () => {
    const token = 'a3f1c9e07b5d4f2a8c6e1b3d5f7a9c0e';
    expect(loadEnv({ ADMIN_TOKEN: token, WECOM_AIBOT_ID: 'aibXy12_-AB' })).toMatchObject({ ADMIN_TOKEN: token, WECOM_AIBOT_ID: 'aibXy12_-AB' });
    expect(loadEnv({ ADMIN_TOKEN: 'Tok/+=._~-0123456789' }).ADMIN_TOKEN).toBe('Tok/+=._~-0123456789');
  });

  it('accepts one server, Sentinel and Cluster URLs', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://cache.example:6380/1', 'unix:///run/redis.sock', 'redis-sentinel://s1:26379,s2:26379/mymaster', 'redis-cluster://u:p@n1:7000,n2:7001']) {
      expect(loadEnv({ REDIS_URL: url }).REDIS_URL).toBe(url);
    }
  });

  it('accepts the long connection with its id and secret, and production with both credentials', () => {
    expect(loadEnv({ WECOM_TRANSPORT: 'ws', WECOM_BOT_ID: 'bot1', WECOM_BOT_SECRET: 's' }).WECOM_TRANSPORT).toBe('ws');
    const prod = loadEnv({ NODE_ENV: 'production', WECOM_TOKEN: 'Tok123', WECOM_ENCODING_AES_KEY: 'a'.repeat(43) });
    expect(prod.WECOM_TOKEN).toBe('Tok123');
    expect(prod.WECOM_ENCODING_AES_KEY).toBe('a'.repeat(43));
  });

  it('takes a ws(s) WECOM_WS_URL, and production on the long connection without callback credentials', () => {
    const ws = { WECOM_TRANSPORT: 'ws', WECOM_BOT_ID: 'bot1', WECOM_BOT_SECRET: 's' };
    expect(loadEnv({ ...ws, WECOM_WS_URL: 'wss://ws.example.gov.cn/aibot' }).WECOM_WS_URL).toBe('wss://ws.example.gov.cn/aibot');
    expect(loadEnv(ws).WECOM_WS_URL).toBeUndefined();
    expect(loadEnv({ ...ws, NODE_ENV: 'production' }).WECOM_TOKEN).toBeUndefined();
  });
});

describe('loadEnv refuses bad values with a message that starts with the variable name', () => {
  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['PORT not a number', { PORT: 'abc' }, 'PORT'],
    ['PORT above 65535', { PORT: '70000' }, 'PORT'],
    ['PORT negative', { PORT: '-1' }, 'PORT'],
    ['WECOM_ENCODING_AES_KEY of 42 chars', { WECOM_ENCODING_AES_KEY: 'b'.repeat(42) }, 'WECOM_ENCODING_AES_KEY'],
    ['WECOM_TOKEN with a symbol', { WECOM_TOKEN: 'abc$def' }, 'WECOM_TOKEN'],
    ['WECOM_TOKEN over 32 chars', { WECOM_TOKEN: 't'.repeat(33) }, 'WECOM_TOKEN'],
    ['WECOM_API_BASE with ftp://', { WECOM_API_BASE: 'ftp://x' }, 'WECOM_API_BASE'],
    ['WECOM_API_BASE not a URL', { WECOM_API_BASE: 'not a url' }, 'WECOM_API_BASE'],
    ['REDIS_URL with http://', { REDIS_URL: 'http://x' }, 'REDIS_URL'],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['WECOM_TRANSPORT=ws without WECOM_BOT_ID', { WECOM_TRANSPORT: 'ws', WECOM_BOT_SECRET: 'x' }, 'WECOM_BOT_ID'],
    ['WECOM_TRANSPORT=ws without WECOM_BOT_SECRET', { WECOM_TRANSPORT: 'ws', WECOM_BOT_ID: 'bot1' }, 'WECOM_BOT_SECRET'],
    ['WECOM_WS_URL with https://', { WECOM_WS_URL: 'https://openws.work.weixin.qq.com' }, 'WECOM_WS_URL'],
    ['NODE_ENV=production without WECOM_TOKEN', { NODE_ENV: 'production', WECOM_ENCODING_AES_KEY: 'a'.repeat(43) }, 'WECOM_TOKEN'],
    ['NODE_ENV=production without WECOM_ENCODING_AES_KEY', { NODE_ENV: 'production', WECOM_TOKEN: 'Tok123' }, 'WECOM_ENCODING_AES_KEY'],
    ['REDIS_KEY_PREFIX without the colon', { REDIS_KEY_PREFIX: 'duban' }, 'REDIS_KEY_PREFIX'],
    ['REDIS_KEY_PREFIX with a hash tag of its own', { REDIS_KEY_PREFIX: '{duban}:' }, 'REDIS_KEY_PREFIX'],
    ['JOB_LOCK_MS=0', { JOB_LOCK_MS: '0' }, 'JOB_LOCK_MS'],
    ['JOB_LOCK_MS negative', { JOB_LOCK_MS: '-5000' }, 'JOB_LOCK_MS'],
    ['JOB_LOCK_MS with a unit', { JOB_LOCK_MS: '30s' }, 'JOB_LOCK_MS'],
    ['JOB_STALLED_INTERVAL_MS a fraction', { JOB_STALLED_INTERVAL_MS: '1.5' }, 'JOB_STALLED_INTERVAL_MS'],
    ['JOB_STALLED_INTERVAL_MS of ten digits', { JOB_STALLED_INTERVAL_MS: '1234567890' }, 'JOB_STALLED_INTERVAL_MS'],
    ['ADMIN_TOKEN of 15 characters', { ADMIN_TOKEN: 'a'.repeat(15) }, 'ADMIN_TOKEN'],
    ['ADMIN_TOKEN with a space', { ADMIN_TOKEN: 'correct horse battery staple' }, 'ADMIN_TOKEN'],
    ['ADMIN_TOKEN with a non-ASCII character', { ADMIN_TOKEN: `${'a'.repeat(16)}密` }, 'ADMIN_TOKEN'],
    ['WECOM_AIBOT_ID with a space', { WECOM_AIBOT_ID: 'aib 1' }, 'WECOM_AIBOT_ID'],
  ])('%s', (_case, source, variable) => {
    const err = configError(source);
    expect(err.name).toBe('ConfigError');
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
  });

  it('says what a port must be and echoes the non-secret value', () => {
    expect(configError({ PORT: 'abc' }).message).toBe('PORT: must be a port number 0–65535 (got "abc")');
    expect(configError({ REDIS_URL: 'http://:hunter2@cache:6379' }).message).toBe(
      'REDIS_URL: expected redis://host:port, unix:///path, redis-sentinel://h1:p1,h2:p2/master or redis-cluster://h1:p1,h2:p2',
    );
    expect(configError({ PORT: '0x10' }).message).toBe('PORT: must be a port number 0–65535 (got "0x10")');
    expect(configError({ WECOM_BOT_NAMES: ' , ' }).message).toBe('WECOM_BOT_NAMES: must name the bot at least once, e.g. 督办助手 (got " , ")');
    expect(configError({ JOB_LOCK_MS: '30s' }).message).toBe('JOB_LOCK_MS: must be a whole number of milliseconds (got "30s")');
    expect(configError({ JOB_STALLED_INTERVAL_MS: '0' }).message).toBe('JOB_STALLED_INTERVAL_MS: must be at least 1 millisecond (got "0")');
  });

  it('says why WECOM_BOT_ID is needed, names every missing long-connection credential at once and where to find them', () => {
    expect(configError({ WECOM_TRANSPORT: 'ws' }).message).toBe(
      "WECOM_BOT_ID: is required when WECOM_TRANSPORT=ws (and WECOM_BOT_SECRET): the robot's BotID and Secret from the admin console, 智能机器人 → API 模式 → 长连接",
    );
    expect(configError({ WECOM_TRANSPORT: 'ws', WECOM_BOT_ID: 'b' }).message).toMatch(/^WECOM_BOT_SECRET: is required when WECOM_TRANSPORT=ws: /);
  });
});

describe('loadEnv keeps secrets out of its messages', () => {
  it('does not echo a bad WECOM_ENCODING_AES_KEY', () => {
    const key = 'Zq7SecretKeyMaterial0123456789abcdefghijkl'; // 42 chars
    expect(key).toHaveLength(42);
    const { message } = configError({ WECOM_ENCODING_AES_KEY: key });
    expect(message).toBe('WECOM_ENCODING_AES_KEY: must be exactly 43 letters or digits');
    expect(message).not.toContain(key);
  });

  it('does not echo a bad WECOM_TOKEN', () => {
    const token = 'hunter2$token';
    const { message } = configError({ WECOM_TOKEN: token });
    expect(message.startsWith('WECOM_TOKEN: ')).toBe(true);
    expect(message).not.toContain('hunter2');
  });

  it('does not echo a bad ADMIN_TOKEN, and says how to make one', () => {
    const { message } = configError({ ADMIN_TOKEN: 'hunter2 secret token' });
    expect(message).toBe('ADMIN_TOKEN: must be 16–256 printable ASCII characters without spaces, e.g. from `openssl rand -hex 32`');
    expect(message).not.toContain('hunter2');
  });

  it('does not echo WECOM_BOT_SECRET when another ws variable is missing', () => {
    const { message } = configError({ WECOM_TRANSPORT: 'ws', WECOM_BOT_SECRET: 'TopSecretBotSecret' });
    expect(message).not.toContain('TopSecretBotSecret');
  });
});

describe('loadEnv treats empty strings as unset', () => {
  it('falls back to every default when each variable is an empty string', () => {
    const env = loadEnv({
      PORT: '',
      WECOM_API_BASE: '',
      REDIS_KEY_PREFIX: '',
      REDIS_URL: '',
      LOG_LEVEL: '',
      WECOM_TRANSPORT: '',
      WECOM_BOT_NAMES: '',
      DATA_DIR: '',
      ORG_FILE: '',
      WECOM_TOKEN: '',
      WECOM_ENCODING_AES_KEY: '',
      NODE_ENV: '',
      JOB_LOCK_MS: '',
      JOB_STALLED_INTERVAL_MS: '',
    });
    expect(env).toMatchObject({
      PORT: 3000,
      WECOM_API_BASE: 'https://qyapi.weixin.qq.com',
      REDIS_KEY_PREFIX: 'duban:',
      LOG_LEVEL: 'info',
      WECOM_TRANSPORT: 'webhook',
      WECOM_BOT_NAMES: ['督办助手'],
      DATA_DIR: path.resolve('data'),
      NODE_ENV: 'development',
    });
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.ORG_FILE).toBeUndefined();
    expect(env.WECOM_TOKEN).toBeUndefined();
    expect(env.WECOM_ENCODING_AES_KEY).toBeUndefined();
    expect(env.JOB_LOCK_MS).toBeUndefined();
    expect(env.JOB_STALLED_INTERVAL_MS).toBeUndefined();
  });

  it('treats a whitespace-only PORT as unset', () => {
    expect(loadEnv({ PORT: '   ' }).PORT).toBe(3000);
  });

  it('does not let an empty string satisfy a required variable', () => {
    expect(configError({ WECOM_TRANSPORT: 'ws', WECOM_BOT_ID: '', WECOM_BOT_SECRET: 's' }).message).toMatch(
      /^WECOM_BOT_ID: is required when WECOM_TRANSPORT=ws/,
    );
    expect(configError({ NODE_ENV: 'production', WECOM_TOKEN: '', WECOM_ENCODING_AES_KEY: 'a'.repeat(43) }).message).toBe(
      'WECOM_TOKEN: is required when NODE_ENV=production',
    );
  });
});
