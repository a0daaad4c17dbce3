import { MARKDOWN_MAX_BYTES } from '../../jobs/outbound/channels';
import { runBulletin } from '../../jobs/ticks/bulletin';
import { fixedClock } from '../../src/clock';
import { ADVICE_OLDEST, ADVICE_UNITS_SHOWN } from '../../src/domain/talk-advice';
import { DAY_MS } from '../../src/domain/time';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { createScores } from '../../src/store/scores';
import { TalkStore } from '../../src/store/talk-store';
import { startTestApp, type TestApp } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { generateOrg } from '../support/generate-org';
import { Player } from '../support/score-fixture';

/**
 * The weekly 通报 when many units pass policy.talkAdvice (docs/design.md §4.17): 60 units with 3
 * issues each overdue 10 days. The 建议提醒约谈 section names at most ADVICE_UNITS_SHOWN of them
 * and the count of the rest, comes after the 考核 lines, and the message arrives at the group
 * robot whole (the channel cuts a markdown push over 4 096 bytes at its end, silently).
 */
const fake = new FakeWecom();
const gen = generateOrg({ towns: 3, unitsPerTown: 20, noSecretaryEvery: 1000 });
const org = gen.org;
const NOW = '2026-06-15T10:00:00+08:00';
const clock = fixedClock(NOW);
let t: TestApp;

beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ org, clock, env: { WECOM_API_BASE: fake.url }, jobTimings: { backoffMs: 50, throttleMs: 200 } });
  const player = new Player(org, new LedgerStore(t.redis, createKeys(t.prefix)));
  const now = Date.parse(NOW);
  for (const u of org.units) {
    const team = u.id.slice(0, 3);
    for (let i = 0; i < 3; i++) await player.report(`u_${team}_m2`, { unitId: u.id, assignee: u.secretary!, deadline: now - 10 * DAY_MS - i * DAY_MS }, now - 20 * DAY_MS);
  }
}, 60_000);
afterAll(async () => {
  await t.stop();
  await fake.stop();
});

it('names at most 10 units and the count of the rest, after the scores, and the whole message fits', async () => {
  const keys = createKeys(t.prefix);
  const real = new LedgerStore(t.redis, keys);
  // Counts the reads of the oldest ids (the advice asks for ADVICE_OLDEST of one unit at a time).
  let oldestReads = 0;
  const ledger = new Proxy(real, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'overdue' || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return (...args: Parameters<LedgerStore['overdue']>) => {
        if (args[0].length === 1 && args[3] === ADVICE_OLDEST) oldestReads++;
        return real.overdue(...args);
      };
    },
  });
  const scores = createScores({ redis: t.redis, keys, org, clock });
  expect(await runBulletin('w1', { ledger, outbox: t.app.jobs.outbox, org: () => org, clock, talks: new TalkStore(t.redis, keys), scores })).toEqual({ messages: 1 });
  const got = await fake.waitFor((m) => m.some((x) => x.key === 'KEY_CHAT_ADMIN'));
  const content = got.find((x) => x.key === 'KEY_CHAT_ADMIN')!.content;

  expect(Buffer.byteLength(content)).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
  expect(content).not.toContain('已截断');
  const scoresAt = content.indexOf('**百分量化考核（2026年）**');
  const adviceAt = content.indexOf('**建议提醒约谈（供组织部参考）**');
  expect(scoresAt).toBeGreaterThan(0);
  expect(adviceAt).toBeGreaterThan(scoresAt);
  const advice = content.slice(adviceAt).split('\n');
  expect(advice[1]).toBe('逾期超过7天的问题达到 3 件的单位共 60 个：');
  const named = advice.filter((l) => /^> .+（.+）：3 件，最久 #\d+ #\d+ #\d+$/u.test(l));
  expect(named.length).toBeGreaterThan(0);
  expect(named.length).toBeLessThanOrEqual(ADVICE_UNITS_SHOWN);
  expect(advice).toContain(`> …等 ${60 - named.length} 个单位（各单位逾期情况见 \`/status\`）`);
  expect(advice.at(-1)).toBe('约谈后请用 `/约谈 单位 事由` 记录；本建议不会发给书记。');
  // The oldest ids are read for the units that may be named, not for all 60.
  expect(oldestReads).toBe(ADVICE_UNITS_SHOWN);
});
