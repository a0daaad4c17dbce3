import type { Result } from 'ioredis';
import { EVIDENCE_FAILURE_WORDS, type Evidence, type Issue } from '../domain/issue';
import { EVIDENCE_TYPE_WORDS, sizeWords } from '../rendering/evidence';
import { evidenceOutcomeLine, type EvidenceOutcome } from './issue-codec';
import type { Keys } from './keys';
import type { LedgerStore } from './ledger-store';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    recordEvidence(...args: string[]): Result<number, Context>;
  }
}

/** The audit actions of a settled evidence entry (their words are in the lifecycle's ACTION_WORDS). */
export const EVIDENCE_ACTIONS = { stored: 'evidence-stored', failed: 'evidence-failed' } as const;

export type RecordResult = 'recorded' | 'already' | 'unknown';

/**
 * What became of an issue's evidence photos and files (docs/design.md §6.6): the download job
 * settles each entry once — kept (hash, size, type) or failed for good (the reason) — as an
 * outcome line in the issue's history with its entry on the district audit stream, in one script
 * (record-evidence.lua), which refuses a second outcome for the same entry. Not in the issue's
 * own audit list: that list is the issue's steps, whose newest few the 台账 (核验人), the cards
 * and /查看 read, and up to 9 outcomes per message would push the steps out of those tails.
 * Readers see the outcome merged into the entry (issue-codec).
 */
export class EvidenceStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ledger: LedgerStore,
  ) {
    defineScripts(redis);
  }

  /** The entry (msgid, index) of the issue, as stored now; undefined when the issue or the entry is not there. */
  async entry(issueId: number, msgid: string, index: number): Promise<{ issue: Issue; entry: Evidence } | undefined> {
    const issue = await this.ledger.get(issueId);
    const entry = issue?.evidence.find((e) => e.msgid === msgid && e.index === index);
    return issue && entry ? { issue, entry } : undefined;
  }

  /**
   * Settles the entry once: 'recorded', 'already' (settled before: the first outcome stands) or
   * 'unknown' (no such issue or entry).
   */
  async record(issueId: number, msgid: string, index: number, outcome: EvidenceOutcome, actor: string, at: number): Promise<RecordResult> {
    const found = await this.entry(issueId, msgid, index);
    if (!found) return 'unknown';
    if (found.entry.stored || found.entry.failed) return 'already';
    const { issue } = found;
    const position = issue.evidence.indexOf(found.entry) + 1;
    const action = 'stored' in outcome ? EVIDENCE_ACTIONS.stored : EVIDENCE_ACTIONS.failed;
    const note =
      'stored' in outcome
        ? `第 ${position} 份 ${EVIDENCE_TYPE_WORDS[outcome.stored.type]} ${sizeWords(outcome.stored.size)}`
        : `第 ${position} 份：${EVIDENCE_FAILURE_WORDS[outcome.failed.reason]}`;
    const detail: [string, string][] =
      'stored' in outcome
        ? [['sha256', outcome.stored.sha256], ['size', String(outcome.stored.size)], ['type', outcome.stored.type]]
        : [['reason', outcome.failed.reason]];
    // The audit entry as the commit writes one (the stream's readers read it alike), at the
    // issue's version (unchanged), with the file's hash, size and type or the failure.
    const stream: [string, string][] = [
      ['issue', String(issueId)],
      ['actor', actor],
      ['at', String(at)],
      ['action', action],
      ['from', issue.state],
      ['to', issue.state],
      ['version', String(issue.version)],
      ['note', note],
      ['msgid', msgid],
      ['index', String(index)],
      ...detail,
    ];
    const { line, start } = evidenceOutcomeLine(msgid, index, outcome);
    const result = await this.redis.recordEvidence(
      this.keys.issue(issueId),
      this.keys.issueHistory(issueId),
      this.keys.auditAll,
      line,
      start,
      JSON.stringify(stream),
    );
    return result === 1 ? 'recorded' : result === 2 ? 'already' : 'unknown';
  }
}
