import type { Issue, StoredEvidence } from '../domain/issue';
import type { Scores } from '../store/scores';
import type { PushInput } from '../../jobs/push';
import type { FileOrder, FileTicket } from '../../jobs/files/file-jobs';
import type { EvidenceOrder } from '../../jobs/evidence/evidence-order';
import type { FollowUp } from './follow-ups';

/**
 * What commands may ask of the background jobs, and nothing more: the port the pipeline and the
 * handlers see. jobs/index.ts implements it on BullMQ; which channel a push goes out on
 * (group robot, long connection, the local sink) is decided there, by configuration.
 * The queue messages (PushInput, FileOrder, EvidenceOrder) are data contracts shared with jobs/.
 */
export interface Jobs {
  /** Queues one push into a chat (delayMs: not before then). */
  push(input: PushInput, delayMs?: number): Promise<void>;
  /**
   * After a committed change: queue its pushes, logging the ones that fail instead of failing the
   * command (the user would re-send it and do the change twice). Answers how many failed.
   */
  pushAfterCommit(pushes: readonly PushInput[]): Promise<number>;
  /**
   * After the reply of a change committed with its follow-ups written down (commit-once.lua): its
   * timers, pushes and downloads, then the entry is cleared. Never throws.
   */
  followUp(f: FollowUp): Promise<void>;
  /** After a committed change: bring the issue's timers in line (never fails the command). */
  afterCommit(before: Issue | undefined, after: Issue): Promise<void>;
  /** After committing many issues at once (/布置, /任务): their timers in one go. */
  afterCommitMany(changes: readonly { before: Issue | undefined; after: Issue }[], now: number): Promise<void>;
  /** The /催办 limits (per issue, per person), decided in Redis so every instance agrees. */
  remindGate: RemindLimiter;
  /** 百分量化考核: boards (cached per unit and month) and the manual /加分 /扣分 entries. */
  scores: Scores;
  /** Generated files: request one (answers with its signed link at once). */
  files: { request(order: FileOrder): Promise<FileTicket> };
  /**
   * Evidence photos and files of a message: downloaded (the links expire in minutes), decrypted
   * and kept under DATA_DIR/evidence by a job with retries. Never fails the command.
   */
  storeEvidence(orders: readonly EvidenceOrder[]): Promise<void>;
  /** A signed, expiring link to a kept evidence file for this person (PUBLIC_URL, HMAC; docs/design.md §6.6). */
  evidenceLink(file: StoredEvidence, userid: string): { url: string; expiresAt: number };
  /** A signed, expiring link to an issue's photo page for this person, which checks again on each opening that they may see the issue. */
  issueEvidenceLink(issueId: number, userid: string): { url: string; expiresAt: number };
}

export type IssueClaim = { ok: true; release(): Promise<void> } | { ok: false; since: number };

export interface RemindLimiter {
  /** The limits in force, for the refusal's words. */
  readonly limits: { perIssueMs: number; perUserPerMinute: number };
  /** Counts one /催办 of this person (`message` names it); 0 when it may go, else ms until one may. */
  userWait(userId: string, now: number, message: string): Promise<number>;
  /** Claims the issue's hour for this message; refused: since when the holder claimed. */
  claimIssue(issueId: number, now: number, message: string): Promise<IssueClaim>;
}
