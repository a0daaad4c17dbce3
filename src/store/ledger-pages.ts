import type { Result } from 'ioredis';
import type { Issue, IssueState } from '../domain/issue';
import { issueFromScript } from './issue-scan';
import { issueKeyLayout, type Keys } from './keys';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    readPage(numKeys: number, ...args: (string | number)[]): Result<(string | number)[], Context>;
  }
}

export interface IssuePage {
  /** Every issue the merged indexes hold (the same as LedgerStore's pages count them). */
  total: number;
  /** The page's issues, in page order. */
  issues: Issue[];
}

/**
 * The paged reads of the chat's lists (/清单, /我的), each in one round trip: the merge of the
 * indexes and the page's issues in one read-only script (lua/read-page.lua, whose comment gives
 * the cost: it grows with the page and the scope's number of keys, not with the ledger). The
 * same pages as LedgerStore.list / assignedTo / overdue + getMany, which take two round trips
 * (the ids, then the issues); test/integration/ledger-pages.test.ts holds them equal.
 *
 * The issues are decoded without zod (decodeStoredIssue): the script returns only hashes the
 * commit script wrote, the same trusted records the streaming scan reads that way.
 */
export class LedgerPages {
  private readonly issuePrefix: string;
  private readonly historySuffix: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    // Before any command: see src/store/scripts.ts on defining a script while a batch waits.
    defineScripts(redis);
    // The script builds an issue's keys from its id.
    ({ issuePrefix: this.issuePrefix, historySuffix: this.historySuffix } = issueKeyLayout(keys));
  }

  /** Newest first, across several units and states, paged; with the total (LedgerStore.list). */
  list(unitIds: readonly string[], states: readonly IssueState[], offset: number, limit: number): Promise<IssuePage> {
    return this.page('id', unitIds.flatMap((u) => states.map((s) => this.keys.byUnitState(u, s))), offset, limit);
  }

  /** Issues rectifying and assigned to this person, newest first (LedgerStore.assignedTo). */
  assignedTo(userid: string, offset: number, limit: number): Promise<IssuePage> {
    return this.page('id', [this.keys.byAssignee(userid)], offset, limit);
  }

  /**
   * The units' overdue issues (clock running, deadline before `now`), the most overdue first
   * (deadline, then id), paged; with their number (LedgerStore.overdue's total and oldest).
   */
  overdue(unitIds: readonly string[], now: number, offset: number, limit: number): Promise<IssuePage> {
    return this.page('deadline', unitIds.map((u) => this.keys.unitDeadlines(u)), offset, limit, now);
  }

  private async page(mode: 'id' | 'deadline', indexKeys: readonly string[], offset: number, limit: number, now = 0): Promise<IssuePage> {
    if (!indexKeys.length) return { total: 0, issues: [] };
    const from = Math.max(0, Math.floor(offset));
    const size = Math.max(0, Math.floor(limit));
    const raw = await this.redis.readPage(indexKeys.length, ...indexKeys, mode, from, size, this.issuePrefix, this.historySuffix, now);
    const issues: Issue[] = [];
    for (let j = 1; j + 2 < raw.length; j += 3) issues.push(await issueFromScript(this.redis, this.keys, Number(raw[j]), String(raw[j + 1]), String(raw[j + 2])));
    return { total: Number(raw[0]), issues };
  }
}
