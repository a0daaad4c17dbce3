import { runBulletin } from '../../jobs/ticks/bulletin';
import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { BOT_NAME, demoOrg, startTestApp, type TestApp } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { pollUntil } from '../support/wait';

/**
 * /status and the weekly 通报 read one model (domain/report, domain/visibility). Their replies
 * were recorded in the snapshot before the move and must stay byte for byte the same.
 */
const NOW = '2026-06-15T10:00:00+08:00';
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ clock: fixedClock(NOW) });
  const org = demoOrg();
  const store = new LedgerStore(t.redis, createKeys(t.prefix));
  await generateLedger(store, org, { found: 180, closed: 120, units: org.units.filter((u) => u.secretary), days: 120, now: Date.parse(NOW) });
});
afterAll(async () => {
  await t.stop();
});

const say = (userId: string, chatId: string, text: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });

const ASKED: [string, string, string][] = [
  ['u_admin', 'CHAT_ADMIN', '/status'],
  ['u_admin', 'CHAT_ADMIN', '/status 全区'],
  ['u_admin', 'CHAT_ADMIN', '/status 福禄镇 本月'],
  ['u_admin', 'CHAT_ADMIN', '/status 2026'],
  ['u_admin', 'CHAT_ADMIN', '/status 本季度'],
  ['u_admin', 'CHAT_ADMIN', '/status 第二工作队 上月'],
  ['u_admin', 'CHAT_ADMIN', '/status 斑竹村'],
  ['u_luo', 'CHAT_T1', '/status'],
  ['u_luo', 'CHAT_T1', '/status 本月'],
  ['u_t2_m1', 'CHAT_T2', '/status'],
  ['u_t2_m1', 'CHAT_T2', '/status 福禄镇'],
];

describe('the read model keeps /status as it was', () => {
  it.each(ASKED)('%s in %s: %s', async (user, chat, text) => {
    expect(await say(user, chat, text)).toMatchSnapshot();
  });
});

describe('the read model keeps the weekly 通报 as it was', () => {
  it('pushes the same text to the admin chat', async () => {
    const keys = createKeys(t.prefix);
    const deps = { ledger: new LedgerStore(t.redis, keys), outbox: t.app.jobs.outbox, org: t.app.org, clock: fixedClock(NOW) };
    expect(await runBulletin('golden', deps)).toEqual({ messages: 1 });
    let content: string | undefined;
    await pollUntil(async () => {
      const entries = await t.redis.xrange(keys.pushes, '-', '+');
      const fields = entries.map(([, f]) => f).find((f) => f[f.indexOf('kind') + 1] === 'bulletin');
      content = fields?.[fields.indexOf('content') + 1];
      return content !== undefined;
    }, 'the bulletin in the sink');
    expect(content).toMatchSnapshot();
  });
});
