import { z } from 'zod';
import type { Issue } from '../domain/issue';
import { scanIssues, type ScanOptions } from './issue-scan';
import type { Keys } from './keys';
import type { RedisClient } from './redis';

/**
 * The 台账's reading of a scope: every issue (streamed in batches by scanIssues) with what only
 * its audit list knows — who verified it (核验人) and how many deadline moves were extensions
 * (延期次数). Per batch one more pipeline reads just the audit entries needed: the newest two of
 * a closed issue (nothing follows 销号 but a 回访, so its verify entry is one of them), and the
 * whole list only of an issue whose deadline moved after 上报. Never one round trip per issue.
 */
export interface LedgerRecord {
  issue: Issue;
  /** The actor of the verify entry in force (closed or revisited issues only). */
  verifier?: string;
  /** Deadline moves made by /延期 or by approving a request (not by 交办 or a relapse). */
  extensions: number;
}

const entrySchema = z.object({ actor: z.string(), at: z.number(), action: z.string() });
type Entry = z.output<typeof entrySchema>;

const isClosed = (i: Issue) => i.state === 'closed' || i.state === 'revisited';
/** A deadline set once at 上报 needs no audit; any later move may be an extension. */
const deadlineMoved = (i: Issue) => i.deadlineChanges.length > 1 || (i.deadlineChanges.length === 1 && i.deadlineChanges[0]!.reason !== '上报');

export async function* scanLedgerRecords(redis: RedisClient, keys: Keys, opts: ScanOptions): AsyncGenerator<LedgerRecord[]> {
  for await (const batch of scanIssues(redis, keys, opts)) {
    const wanted: { at: number; full: boolean }[] = [];
    const pipe = redis.pipeline();
    batch.forEach((issue, at) => {
      const full = deadlineMoved(issue);
      if (!full && !isClosed(issue)) return;
      wanted.push({ at, full });
      pipe.lrange(keys.audit(issue.id), full ? 0 : -2, -1);
    });
    const audits = new Map<number, Entry[]>();
    if (wanted.length) {
      const res = (await pipe.exec()) ?? [];
      wanted.forEach((w, j) => {
        const [err, raw] = res[j] ?? [];
        if (err) throw err;
        audits.set(w.at, (raw as string[]).map((json) => entrySchema.parse(JSON.parse(json))));
      });
    }
    yield batch.map((issue, at) => recordOf(issue, audits.get(at) ?? []));
  }
}

function recordOf(issue: Issue, audit: readonly Entry[]): LedgerRecord {
  const rec: LedgerRecord = { issue, extensions: 0 };
  if (isClosed(issue)) {
    for (let i = audit.length - 1; i >= 0; i--) {
      if (audit[i]!.action === 'verify') {
        rec.verifier = audit[i]!.actor;
        break;
      }
    }
  }
  if (deadlineMoved(issue)) {
    // A change made by an extension carries the extension entry's time and actor.
    const granted = new Set(audit.filter((e) => e.action === 'extend' || e.action === 'approve-extension').map((e) => `${e.at}:${e.actor}`));
    rec.extensions = issue.deadlineChanges.filter((d) => granted.has(`${d.at}:${d.by}`)).length;
  }
  return rec;
}
