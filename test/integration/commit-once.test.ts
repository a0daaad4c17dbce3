import { actorFor } from '../../src/domain/actor';
import { apply, createIssue, isRefusal, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import { DAY_MS } from '../../src/domain/time';
import { createKeys } from '../../src/store/keys';
import { followUpMember, LedgerStore } from '../../src/store/ledger-store';
import { MessageLog } from '../../src/store/message-log';
import { demoOrg } from '../support/app';
import { testPrefix, testRedis } from '../support/redis';

const must = (r: Outcome | Refusal): Outcome => {
  if (isRefusal(r)) throw new Error(JSON.stringify(r));
  return r;
};

/** commit-once.lua: a chat command's msgid look-up, commit, reply record and follow-ups, all or nothing. */
describe('commitOnce', () => {
  const redis = testRedis();
  const keys = createKeys(testPrefix());
  const store = new LedgerStore(redis, keys);
  const messages = new MessageLog(redis, keys);
  const org = demoOrg();
  const now = Date.parse('2026-05-11T09:00:00+08:00');
  const once = (msgid: string, markdown: string, followUps?: string) => ({ messageKey: messages.keyOf(msgid), record: MessageLog.answered({ markdown }), ttlSeconds: 60, ...(followUps ? { followUps } : {}) });
  afterAll(() => redis.quit());

  it('writes the change, the reply record and the follow-up together; a second attempt gets the record and writes nothing', async () => {
    const made = must(createIssue({ id: await store.nextId(), unitId: 'banzhu', teamIds: ['t1'], description: '路灯损坏', homeChat: 'CHAT_T1', assignee: 'u_sec_banzhu', deadline: now + 5 * DAY_MS, evidence: [] }, actorFor(org, 'u_t1_m2', 'banzhu'), now));
    const data = JSON.stringify({ pushes: [], evidence: [] });
    expect(await store.commitOnce(undefined, made, 'u_t1_m2', now, once('m-1', '📌 已登记 #1', data))).toBe('ok');
    expect(await messages.peek('m-1')).toEqual({ status: 'done', markdown: '📌 已登记 #1' });
    expect(await redis.ttl(messages.keyOf('m-1'))).toBeGreaterThan(50);
    expect(await redis.zscore(keys.followUpsDue, followUpMember(made.issue))).toBe(String(now));
    expect(await redis.hget(keys.followUpsData, followUpMember(made.issue))).toBe(data);

    // The same message again, with another change decided on the same read: answered, not written.
    const fixed = must(apply(made.issue, { type: 'fix', note: '已修', evidence: [] }, actorFor(org, 'u_sec_banzhu', 'banzhu'), now + 1));
    expect(await store.commitOnce(made.issue, fixed, 'u_sec_banzhu', now + 1, once('m-1', '✅ #1'))).toEqual({ seen: MessageLog.answered({ markdown: '📌 已登记 #1' }) });
    expect(await store.get(made.issue.id)).toMatchObject({ state: 'assigned', version: 1 });
    expect(await redis.xlen(keys.auditAll)).toBe(1);
    expect(await redis.zcard(keys.followUpsDue)).toBe(1);
  });

  it('writes nothing at all when the version check fails: no record, no follow-up', async () => {
    const made = must(createIssue({ id: await store.nextId(), unitId: 'banzhu', teamIds: ['t1'], description: '井盖缺失', homeChat: 'CHAT_T1', assignee: 'u_sec_banzhu', deadline: now + 5 * DAY_MS, evidence: [] }, actorFor(org, 'u_t1_m2', 'banzhu'), now));
    expect(await store.commit(undefined, made, 'u_t1_m2', now)).toBe(true);
    const fixed = must(apply(made.issue, { type: 'fix', note: '已修', evidence: [] }, actorFor(org, 'u_sec_banzhu', 'banzhu'), now + 1));
    expect(await store.commit(made.issue, fixed, 'u_sec_banzhu', now + 1)).toBe(true);
    const dueBefore = await redis.zcard(keys.followUpsDue);
    // Decided on version 1, which is gone.
    const stale = must(apply(made.issue, { type: 'fix', note: '又修', evidence: [] }, actorFor(org, 'u_sec_banzhu', 'banzhu'), now + 2));
    expect(await store.commitOnce(made.issue, stale, 'u_sec_banzhu', now + 2, once('m-2', '✅ #2', '{"pushes":[],"evidence":[]}'))).toBe('conflict');
    expect(await messages.peek('m-2')).toBeUndefined();
    expect(await redis.zcard(keys.followUpsDue)).toBe(dueBefore);
    expect(await redis.hexists(keys.followUpsData, followUpMember(stale.issue))).toBe(0);
  });
});

describe('nextIdOnce', () => {
  const redis = testRedis();
  const keys = createKeys(testPrefix());
  const store = new LedgerStore(redis, keys);
  const messages = new MessageLog(redis, keys);
  afterAll(() => redis.quit());

  it('takes an id for a message not answered yet, and none for one answered before', async () => {
    expect(await store.nextIdOnce(messages.keyOf('r-1'))).toEqual({ id: 1 });
    await messages.complete('r-1', { markdown: '📌 已登记 #1' });
    expect(await store.nextIdOnce(messages.keyOf('r-1'))).toEqual({ seen: MessageLog.answered({ markdown: '📌 已登记 #1' }) });
    expect(await redis.get(keys.issueSeq)).toBe('1');
  });
});
