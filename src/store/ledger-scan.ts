import { z } from 'zod';
import type { Issue } from '../domain/issue';
import { scanIssuesWithAudit, type ScanOptions } from './issue-scan';
import type { Keys } from './keys';
import type { RedisClient } from './redis';

/**
 * The 台账's reading of a scope: every issue (streamed in batches by the scope scan) with what
 * only its audit list knows — who verified it (核验人) and how many deadline moves were
 * extensions (延期次数). The scan brings the newest two audit entries of each issue in the same
 * round trip (nothing follows 销号 but a 回访, so a closed issue's verify entry is one of them);
 * the whole list is read, in one pipeline per batch, only for the issues whose deadline moved
 * after 上报. Never one round trip per issue.
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

/**
 * Records per round trip unless asked otherwise: a tenth of the scan's default, because the
 * export holds a batch (and the one read ahead) while it writes the rows, and what lives that
 * long outlasts two scavenges and fills the old generation until the next full GC. For 100 000
 * issues peak RSS was 222–228 MB with batches of 500, 182–192 MB with 100, 171–177 MB with 50,
 * and no slower (README, 台账 export).
 */
const LEDGER_BATCH = 50;

export async function* scanLedgerRecords(redis: RedisClient, keys: Keys, opts: ScanOptions): AsyncGenerator<LedgerRecord[]> {
  for await (const batch of scanIssuesWithAudit(redis, keys, { ...opts, batch: opts.batch ?? LEDGER_BATCH }, 2)) {
    const moved = batch.filter((r) => deadlineMoved(r.issue));
    const full = new Map<number, string[]>();
    if (moved.length) {
      const pipe = redis.pipeline();
      for (const r of moved) pipe.lrange(keys.audit(r.issue.id), 0, -1);
      const res = (await pipe.exec()) ?? [];
      moved.forEach((r, j) => {
        const [err, raw] = res[j] ?? [];
        if (err) throw err;
        full.set(r.issue.id, raw as string[]);
      });
    }
    yield batch.map((r) => recordOf(r.issue, full.get(r.issue.id) ?? r.audit));
  }
}

function recordOf(issue: Issue, audit: readonly string[]): LedgerRecord {
  const rec: LedgerRecord = { issue, extensions: 0 };
  if (isClosed(issue)) {
    // Newest first, and only as far as the verify entry: usually the last one or the one before.
    for (let i = audit.length - 1; i >= 0; i--) {
      // Only the verify entry is parsed (an entry is compact JSON: JSON.stringify wrote it).
      if (!audit[i]!.includes('"action":"verify"')) continue;
      const e = entry(audit[i]!);
      if (e.action === 'verify') {
        rec.verifier = e.actor;
        break;
      }
    }
  }
  if (deadlineMoved(issue)) {
    // A change made by an extension carries the extension entry's time and actor.
    const granted = new Set(
      audit
        .map(entry)
        .filter((e) => e.action === 'extend' || e.action === 'approve-extension')
        .map((e) => `${e.at}:${e.actor}`),
    );
    rec.extensions = issue.deadlineChanges.filter((d) => granted.has(`${d.at}:${d.by}`)).length;
  }
  return rec;
}

const entry = (json: string): Entry => entrySchema.parse(JSON.parse(json));
