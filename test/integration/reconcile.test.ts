import pino from 'pino';
import { reconcileTimers } from '../../jobs/timers/reconcile';
import { reminderJobId, revisitJobId } from '../../jobs/timers/timer-jobs';
import { actorFor } from '../../src/domain/actor';
import { apply, createIssue, isRefusal, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import { DAY_MS } from '../../src/domain/time';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { demoOrg, startTestApp } from '../support/app';

const must = (r: Outcome | Refusal): Outcome => {
  if (isRefusal(r)) throw new Error(JSON.stringify(r));
  return r;
};

/** Issues committed without their timers (a crash in between) get them at the next worker start. */
it('sets the missing reminder and revisit timers once, however often it runs', async () => {
  const t = await startTestApp({ env: { RUN_WORKERS: 'false' } });
  try {
    const org = demoOrg();
    const keys = createKeys(t.prefix);
    const store = new LedgerStore(t.redis, keys);
    const now = Date.now();
    const member = actorFor(org, 'u_t1_m2', 'banzhu');
    const open = must(createIssue({ id: await store.nextId(), unitId: 'banzhu', teamIds: ['t1'], description: '无计时器的问题', homeChat: 'CHAT_T1', assignee: 'u_sec_banzhu', deadline: now + 10 * DAY_MS, evidence: [] }, member, now));
    await store.commit(undefined, open, 'u_t1_m2', now);
    const second = must(createIssue({ id: await store.nextId(), unitId: 'banzhu', teamIds: ['t1'], description: '已销号的问题', homeChat: 'CHAT_T1', assignee: 'u_sec_banzhu', deadline: now + 10 * DAY_MS, evidence: [] }, member, now));
    await store.commit(undefined, second, 'u_t1_m2', now);
    const fixed = must(apply(second.issue, { type: 'fix', note: '已整改', evidence: [] }, actorFor(org, 'u_sec_banzhu', 'banzhu'), now));
    await store.commit(second.issue, fixed, 'u_sec_banzhu', now);
    const closed = must(apply(fixed.issue, { type: 'verify' }, member, now));
    await store.commit(fixed.issue, closed, 'u_t1_m2', now);

    const deps = { redis: t.redis, keys, ledger: store, timers: t.app.jobs.timers, org: t.app.org, clock: { now: () => new Date(now) }, logger: pino({ level: 'silent' }) };
    expect(await reconcileTimers(deps)).toEqual({ reminders: 1, revisits: 1 });
    expect(await reconcileTimers(deps)).toEqual({ reminders: 1, revisits: 1 });

    const queue = t.app.jobs.timers['queue'];
    const counts = await queue.getJobCounts('delayed');
    expect(counts.delayed).toBe(2);
    expect(await queue.getJob(reminderJobId(open.issue.id, open.issue.deadline!, 0))).toBeDefined();
    expect(await queue.getJob(revisitJobId(closed.issue.id, closed.issue.closedAt!))).toBeDefined();
  } finally {
    await t.stop();
  }
});
