import type { Issue } from '../domain/issue';
import type { PushInput } from '../../jobs/push';
import type { EvidenceOrder } from '../../jobs/evidence/evidence-order';

/**
 * What a committed change still needs once its reply is out (docs/design.md §4.21): its issue's
 * reminder and 回头看 timers brought in line, the pushes it causes, the downloads of the photos it
 * carries. The commit wrote them down in the same script (src/store/lua/commit-once.lua), so a
 * process that dies after the reply leaves them for the sweeper (jobs/follow-ups/sweep.ts).
 */
export interface FollowUp {
  /** The issue as read before the change (none for a new one): which old timers to drop. */
  before: Issue | undefined;
  after: Issue;
  pushes: readonly PushInput[];
  evidence: readonly EvidenceOrder[];
}

/** The part the commit stores: what cannot be worked out again from the issue. Undefined when there is none. */
export function followUpData(f: Pick<FollowUp, 'pushes' | 'evidence'>): string | undefined {
  return f.pushes.length || f.evidence.length ? JSON.stringify({ pushes: f.pushes, evidence: f.evidence }) : undefined;
}
