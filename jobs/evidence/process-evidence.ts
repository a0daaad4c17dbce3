import { UnrecoverableError, type Job } from 'bullmq';
import type { Clock } from '../../src/clock';
import type { EvidenceFailure } from '../../src/domain/issue';
import type { Logger } from '../../src/log/logger';
import type { EvidenceFiles } from '../../src/store/evidence-files';
import type { EvidenceStore } from '../../src/store/evidence-store';
import { download } from './download';
import { evidenceOrderSchema, evidenceRefSchema, redactedOrder, type EvidenceOrder } from './evidence-order';
import { defaultMediaHosts, type MediaHostRule } from './media-hosts';
import { EVIDENCE_ATTEMPTS } from './evidence-jobs';
import { sniffType } from './file-type';
import { decryptMedia, MediaDecryptError } from './media-crypto';

/**
 * One evidence download (docs/design.md §6.6): fetch WeCom's link (it expires 5 minutes after the
 * message), decrypt, check the type by its magic bytes, keep the file by its SHA-256 and settle
 * the issue's entry. What cannot succeed by trying again (the link gone, a 4xx, too large, not a
 * JPEG/PNG/PDF, undecryptable) is recorded as failed at once; what may (a 5xx, a network error, a
 * timeout) is thrown for BullMQ to retry with backoff, and recorded as failed on the last attempt;
 * so is any other error on the last attempt (`storage`: the disk, Redis). A link not on
 * EVIDENCE_MEDIA_HOSTS is never fetched (`foreign-host`). Never dropped silently: every entry
 * ends kept or failed with its reason; a settled job keeps no link or key in BullMQ.
 */
export interface EvidenceJobDeps {
  store: EvidenceStore;
  files: EvidenceFiles;
  /** The callback EncodingAESKey: webhook-mode media are encrypted with it (absent on the long connection). */
  callbackKey?: string | undefined;
  /** EVIDENCE_MEDIA_HOSTS: where links may be fetched from (default: WeCom's, jobs/evidence/media-hosts.ts). */
  hosts?: readonly MediaHostRule[];
  clock: Clock;
  logger: Logger;
  /** The size bound (default MAX_EVIDENCE_BYTES) and the whole download's timeout (default DOWNLOAD_TIMEOUT_MS). */
  maxBytes?: number;
  timeoutMs?: number;
}

/** 10 MB: a phone photo is 2–5 MB, a scanned PDF page well under; more is not a photo of a fix. */
export const MAX_EVIDENCE_BYTES = 10 * 1024 * 1024;
/** The whole transfer, generous for 10 MB on a county intranet, short beside the link's 5 minutes. */
export const DOWNLOAD_TIMEOUT_MS = 30_000;
/** AES padding adds up to one 32-byte block to the file. */
const PADDING = 32;

export type EvidenceJobOutcome = 'stored' | 'failed' | 'already' | 'unknown';

type JobLike = Pick<Job, 'data' | 'attemptsMade' | 'opts'> & { updateData?: Job['updateData'] };

/** Thrown for BullMQ to try again; on the last attempt every error is recorded instead. */
class Retry extends Error {
  override name = 'EvidenceRetry';
}

export async function processEvidence(job: JobLike, deps: EvidenceJobDeps): Promise<EvidenceJobOutcome> {
  const ref = evidenceRefSchema.safeParse(job.data);
  // Names no entry: nothing can be recorded (and nothing we queue looks like this).
  if (!ref.success) throw new UnrecoverableError(`invalid evidence order: ${ref.error.issues[0]?.message}`);
  const { issueId, msgid, index, by } = ref.data;
  const log = { issue: issueId, msgid, index, attempt: job.attemptsMade + 1 };
  const last = job.attemptsMade + 1 >= (job.opts.attempts ?? EVIDENCE_ATTEMPTS);
  const settled = async (outcome: EvidenceJobOutcome): Promise<EvidenceJobOutcome> => {
    // The link and key are of no use once the entry is settled: BullMQ keeps the job a while.
    await job.updateData?.(redactedOrder(job.data)).catch((err: unknown) => deps.logger.warn({ ...log, err: (err as Error).message }, 'evidence job data not cleared'));
    return outcome;
  };
  const fail = async (reason: EvidenceFailure, detail: string): Promise<EvidenceJobOutcome> => {
    const result = await deps.store.record(issueId, msgid, index, { failed: { reason } }, by, deps.clock.now().getTime());
    deps.logger.warn({ ...log, reason, detail, result }, 'evidence not kept');
    return settled(result === 'recorded' ? 'failed' : result);
  };
  try {
    const found = await deps.store.entry(issueId, msgid, index);
    if (!found) {
      deps.logger.warn(log, 'evidence order names no entry of the issue; nothing downloaded');
      return await settled('unknown');
    }
    if (found.entry.stored || found.entry.failed) return await settled('already');
    const parsed = evidenceOrderSchema.safeParse(job.data);
    if (!parsed.success) {
      const onUrl = parsed.error.issues.some((i) => i.path[0] === 'url');
      return await fail(onUrl ? 'foreign-host' : 'storage', `invalid evidence order: ${parsed.error.issues[0]?.message}`);
    }
    return await keep(parsed.data, deps, last, fail, async (outcome) => settled(outcome), log);
  } catch (err) {
    if (!last) throw err;
    // The last attempt: whatever went wrong (the disk full, Redis away, a bug), the entry is
    // recorded as not kept rather than left "saving" forever.
    if (err instanceof Retry) return fail('unreachable', err.message);
    return fail('storage', (err as Error).message);
  }
}

async function keep(
  order: EvidenceOrder,
  deps: EvidenceJobDeps,
  last: boolean,
  fail: (reason: EvidenceFailure, detail: string) => Promise<EvidenceJobOutcome>,
  settled: (outcome: EvidenceJobOutcome) => Promise<EvidenceJobOutcome>,
  log: Record<string, unknown>,
): Promise<EvidenceJobOutcome> {
  const maxBytes = deps.maxBytes ?? MAX_EVIDENCE_BYTES;
  let got;
  try {
    got = await download(order.url, { maxBytes: maxBytes + PADDING, timeoutMs: deps.timeoutMs ?? DOWNLOAD_TIMEOUT_MS, hosts: deps.hosts ?? defaultMediaHosts() });
  } catch (err) {
    const detail = (err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message;
    throw new Retry(`evidence download failed: ${detail}`);
  }
  if (!got.ok && got.why === 'host') return fail('foreign-host', got.detail);
  if (!got.ok && got.why === 'too-large') return fail('too-large', `over ${maxBytes} bytes`);
  if (!got.ok) {
    // 403/404/410: the link expired or never was; other 4xx: WeCom will not give it; 5xx: try again.
    if ([403, 404, 410].includes(got.status)) return fail('expired', `HTTP ${got.status}`);
    if (got.status >= 400 && got.status < 500) return fail('refused', `HTTP ${got.status}`);
    if (last) return fail('unreachable', `HTTP ${got.status}`);
    throw new Retry(`evidence download answered HTTP ${got.status}`);
  }

  const key = order.aesKey ?? (order.transport === 'webhook' ? deps.callbackKey : undefined);
  if (!key) return fail('undecryptable', 'no key came with the media');
  let bytes: Buffer;
  try {
    bytes = decryptMedia(got.bytes, key);
  } catch (err) {
    if (err instanceof MediaDecryptError) return fail('undecryptable', err.message);
    throw err;
  }
  if (bytes.length > maxBytes) return fail('too-large', `${bytes.length} bytes`);
  const type = sniffType(bytes);
  if (!type) return fail('wrong-type', `starts with ${bytes.subarray(0, 8).toString('hex')}`);
  const { sha256, created } = await deps.files.put(bytes, type);
  const result = await deps.store.record(order.issueId, order.msgid, order.index, { stored: { sha256, size: bytes.length, type } }, order.by, deps.clock.now().getTime());
  deps.logger.info({ ...log, transport: order.transport, sha256, size: bytes.length, type, newFile: created, result }, 'evidence kept');
  return settled(result === 'recorded' ? 'stored' : result);
}

export type { EvidenceOrder };
