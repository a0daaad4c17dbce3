import os from 'node:os';
import { linkKeyMaterial, resolveTransportCredentials } from '../../src/config/credentials';
import { loadEnv } from '../../src/config/env';
import { linkKey } from '../../src/server/signed-links';

/** The long connection needs no callback Token or AES key; the download links' key then comes from the bot secret. */
describe('credentials by transport', () => {
  const ws = { WECOM_TRANSPORT: 'ws', WECOM_BOT_ID: 'bot1', WECOM_BOT_SECRET: 'the-bot-secret', DATA_DIR: os.tmpdir() };

  it('neither needs nor generates callback credentials on the long connection', async () => {
    await expect(resolveTransportCredentials(loadEnv(ws), { create: true })).resolves.toBeUndefined();
  });

  it('still reads them there when they are set, as a pair', async () => {
    const both = await resolveTransportCredentials(loadEnv({ ...ws, WECOM_TOKEN: 'Tok123', WECOM_ENCODING_AES_KEY: 'a'.repeat(43) }), { create: false });
    expect(both).toEqual({ token: 'Tok123', encodingAESKey: 'a'.repeat(43) });
    await expect(resolveTransportCredentials(loadEnv({ ...ws, WECOM_TOKEN: 'Tok123' }), { create: false })).rejects.toThrow(/^WECOM_ENCODING_AES_KEY: must be set together with WECOM_TOKEN/);
  });

  it('derives the links key from the AES key when there is one, else from the bot secret', () => {
    const env = loadEnv(ws);
    expect(linkKeyMaterial(env, { encodingAESKey: 'k'.repeat(43) })).toBe('k'.repeat(43));
    expect(linkKeyMaterial(env, undefined)).toBe('the-bot-secret');
    // Every instance with the same secret signs alike; another secret signs otherwise.
    expect(linkKey(undefined, linkKeyMaterial(env, undefined))).toEqual(linkKey(undefined, 'the-bot-secret'));
    expect(linkKey(undefined, 'the-bot-secret')).not.toEqual(linkKey(undefined, 'another-secret'));
    expect(() => linkKeyMaterial(loadEnv({}), undefined)).toThrow(/^LINK_SECRET: needed/);
  });
});
