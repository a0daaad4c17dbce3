import { randomInt } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, type Env } from './env';
import { parseJsonOrUndefined } from '../parsing/json';

/** The callback Token and EncodingAESKey: from the environment, or dev ones kept under DATA_DIR. */
export interface Credentials {
  token: string;
  encodingAESKey: string;
  /** Where dev credentials live, when they are not from the environment. */
  file?: string;
  /** True on the start that created them (they are printed once). */
  generated?: boolean;
}

const devFileSchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9]{1,32}$/),
  encodingAESKey: z.string().regex(/^[A-Za-z0-9]{43}$/),
});

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomAlnum = (n: number) => Array.from({ length: n }, () => ALNUM[randomInt(ALNUM.length)]).join('');

export function devCredentialsFile(dataDir: string): string {
  return path.join(dataDir, 'dev-credentials.json');
}

/**
 * Outside production, missing credentials are generated once and reused, so `make run` needs no
 * setup and the terminal client can read the same file. `create: false` only reads.
 */
export async function resolveCredentials(env: Env, opts: { create: boolean }): Promise<Credentials> {
  if (env.WECOM_TOKEN && env.WECOM_ENCODING_AES_KEY) return { token: env.WECOM_TOKEN, encodingAESKey: env.WECOM_ENCODING_AES_KEY };
  if (env.WECOM_TOKEN || env.WECOM_ENCODING_AES_KEY) {
    throw new ConfigError(`${env.WECOM_TOKEN ? 'WECOM_ENCODING_AES_KEY' : 'WECOM_TOKEN'}: must be set together with ${env.WECOM_TOKEN ? 'WECOM_TOKEN' : 'WECOM_ENCODING_AES_KEY'}`);
  }
  const file = devCredentialsFile(env.DATA_DIR);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    const parsed = devFileSchema.safeParse(parseJsonOrUndefined(text));
    if (!parsed.success) throw new ConfigError(`${file}: not valid dev credentials; delete it to generate new ones`);
    return { ...parsed.data, file };
  }
  if (!opts.create) throw new ConfigError(`WECOM_TOKEN: not set and no ${file} yet; start the bot first (make run)`);
  const created = { token: randomAlnum(32), encodingAESKey: randomAlnum(43) };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(created, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { ...created, file, generated: true };
}


/**
 * The callback credentials the configured transport needs: the long connection authenticates
 * with WECOM_BOT_ID and WECOM_BOT_SECRET and decrypts nothing with an AES key
 * (docs/wecom-protocol.md §3.1), so in ws mode they are read when set (checked as a pair) and
 * neither required nor generated. Undefined: none.
 */
export async function resolveTransportCredentials(env: Env, opts: { create: boolean }): Promise<Credentials | undefined> {
  if (env.WECOM_TRANSPORT === 'ws' && !env.WECOM_TOKEN && !env.WECOM_ENCODING_AES_KEY) return undefined;
  return resolveCredentials(env, opts);
}

/**
 * What the download links' key is derived from when LINK_SECRET is unset: the callback
 * EncodingAESKey when there is one, else (the long connection) the bot's Secret. Either is shared
 * by every instance of one bot, so they all sign alike without setup.
 */
export function linkKeyMaterial(env: Pick<Env, 'WECOM_BOT_SECRET'>, credentials: Pick<Credentials, 'encodingAESKey'> | undefined): string {
  if (credentials) return credentials.encodingAESKey;
  if (env.WECOM_BOT_SECRET) return env.WECOM_BOT_SECRET;
  throw new ConfigError('LINK_SECRET: needed when there is neither WECOM_ENCODING_AES_KEY nor WECOM_BOT_SECRET to derive it from');
}
