import { actorFor } from '../../src/domain/actor';
import { apply, isRefusal, type Action } from '../../src/domain/lifecycle';
import type { Org } from '../../src/domain/org';
import { DAY_MS } from '../../src/domain/time';
import type { LedgerStore } from '../../src/store/ledger-store';
import { generateLedger } from '../support/generate-ledger';

/**
 * A ledger with every list state and history lines, for the page reads' tests
 * (ledger-pages.test.ts, read-pages.test.ts): generated through the real store, then of the
 * issues still rectifying, per unit, two in three fixed (one photo each) and half of those rejected (a
 * reject reason in the history string, back to 整改中).
 */
export async function seedPagesLedger(store: LedgerStore, org: Org, shape: { found: number; closed: number; now: number }): Promise<void> {
  const units = org.units.filter((u) => u.secretary);
  await generateLedger(store, org, { found: shape.found, closed: shape.closed, units, days: 40, now: shape.now });
  const step = async (id: number, action: Action, who: string, at: number) => {
    const before = (await store.get(id))!;
    const out = apply(before, action, actorFor(org, who, before.unitId), at);
    if (isRefusal(out)) throw new Error(`refused: ${JSON.stringify(out)}`);
    if (!(await store.commit(before, out, who, at))) throw new Error(`lost a version race on #${id}`);
  };
  const open = (await store.list(units.map((u) => u.id), ['assigned'], 0, shape.found)).issues;
  // Counted per unit, so every unit gets each kind whatever the number of units.
  const seen = new Map<string, number>();
  for (const issue of open) {
    const k = seen.get(issue.unitId) ?? 0;
    seen.set(issue.unitId, k + 1);
    if (k % 3 === 2) continue;
    const verifier = org.teamsCovering(issue.unitId)[0]!.members.find((m) => m !== issue.assignee)!;
    const at = shape.now - DAY_MS;
    await step(issue.id, { type: 'fix', note: `第${k}次整改`, evidence: [{ kind: 'image', msgid: `m${issue.id}`, index: 0, at }] }, issue.assignee!, at);
    if (k % 3 === 0) await step(issue.id, { type: 'reject', reason: '照片看不清' }, verifier, at + DAY_MS / 2);
  }
}

/** A read command as someone sends it: who, where (undefined: a single chat) and what. */
export interface ReadCase {
  userId: string;
  chatId: string | undefined;
  text: string;
}

/**
 * The reads whose replies must not change when their Redis reads do: every /清单 filter, a unit
 * and a town, later pages, a leader's and an admin's scope; /我的 of a secretary, a unit contact,
 * a team member and an admin; /查看 of several states, and refused.
 */
export function readCases(ids: { closed: number; open: number; submitted: number; other: number }): ReadCase[] {
  const leader = (text: string): ReadCase => ({ userId: 'u_luo', chatId: 'CHAT_T1', text });
  const admin = (text: string): ReadCase => ({ userId: 'u_admin', chatId: 'CHAT_ADMIN', text });
  return [
    leader('/清单'),
    leader('/清单 第2页'),
    leader('/清单 逾期'),
    leader('/清单 逾期 第2页'),
    leader('/清单 斑竹村'),
    leader('/清单 已销号 斑竹村 第2页'),
    leader('/清单 待核验'),
    leader('/清单 整改中 第3页'),
    leader('/清单 全部 第40页'),
    leader('/list overdue'),
    leader('/清单 我的'),
    admin('/清单'),
    admin('/清单 逾期'),
    admin('/清单 福禄镇 逾期 第2页'),
    admin('/清单 待核验 第2页'),
    { userId: 'u_sec_banzhu', chatId: 'CHAT_T1', text: '/我的' },
    { userId: 'u_sec_banzhu', chatId: undefined, text: '/我的' },
    { userId: 'u_zc_jiangjun', chatId: undefined, text: '/我的' },
    { userId: 'u_t2_m2', chatId: 'CHAT_T2', text: '/我的' },
    { userId: 'u_t1_m2', chatId: 'CHAT_T1', text: '/我的' },
    admin('/我的'),
    leader(`/查看 #${ids.closed}`),
    leader(`/查看 #${ids.open}`),
    leader(`/查看 #${ids.submitted}`),
    { userId: 'u_sec_banzhu', chatId: undefined, text: `/查看 #${ids.submitted}` },
    // Refused: another team's issue, and one that does not exist.
    { userId: 'u_t2_m2', chatId: 'CHAT_T2', text: `/查看 #${ids.other}` },
    leader('/查看 #999999'),
  ];
}
