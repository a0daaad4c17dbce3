import { rename, stat, unlink } from 'node:fs/promises';
import { UnrecoverableError, type Job } from 'bullmq';
import type { LinkSigner } from '../../src/server/signed-links';
import type { ExportFiles } from '../../src/store/export-files';
import type { Outbox } from '../outbound/outbox';
import { FILE_EXTENSIONS, fileRequestSchema, type MakerDeps } from './file-request';
import { FILE_ATTEMPTS } from './file-jobs';
import type { FileMakers } from './makers';

export interface FileJobDeps extends MakerDeps {
  exports: ExportFiles;
  links: LinkSigner;
  outbox: Outbox;
  makers: FileMakers;
}

export type FileOutcome = 'ready' | 'already-ready' | 'failed' | 'gone';

/** Characters a file name may not carry on Windows or in a multipart header; control characters too. */
const UNSAFE_NAME = /[\u0000-\u001f\u007f/\\:*?"<>|]/g;

/** The name people see: safe on every desktop, with the format's extension. */
export function safeFileName(name: string, ext: string): string {
  const base = name.replace(UNSAFE_NAME, '_').replace(/\s+/g, ' ').trim().slice(0, 120) || '文件';
  return base.toLowerCase().endsWith(`.${ext}`) ? base : `${base}.${ext}`;
}

/**
 * One file job: run the kind's maker into a temporary file, rename it into place, mark it ready,
 * then push it into the chat through the outbox (unless it was asked for its link only). A maker that throws is retried (BullMQ backoff);
 * on the last attempt, or when no maker is registered for the kind, the file is marked failed and
 * the download page says so.
 */
export async function processFile(job: Job, deps: FileJobDeps): Promise<FileOutcome> {
  const parsed = fileRequestSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid file request: ${parsed.error.issues[0]?.message}`);
  const req = parsed.data;
  const ext = FILE_EXTENSIONS[req.kind];
  const log = { file: req.id, kind: req.kind, chat: req.chatId, attempt: job.attemptsMade + 1 };
  const meta = await deps.exports.get(req.id);
  if (!meta) {
    deps.logger.warn(log, 'file request has no metadata any more (long expired); nothing made');
    return 'gone';
  }
  if (meta.status === 'failed') return 'failed';
  const finalPath = deps.exports.pathOf(req.id, ext);
  if (meta.status === 'ready') {
    // A re-run after the push could not be queued: queue it again (its id makes that a no-op otherwise).
    if (!req.linkOnly) await pushFile(req, meta.name ?? safeFileName(req.id, ext), undefined, deps);
    return 'already-ready';
  }
  const now = () => deps.clock.now().getTime();
  if (now() >= req.expiresAt) {
    await deps.exports.markFailed(req.id, 'expired before it was made', now());
    deps.logger.warn(log, 'file expired before it was made');
    return 'failed';
  }
  const maker = deps.makers[req.kind];
  if (!maker) {
    await deps.exports.markFailed(req.id, `no maker registered for kind ${req.kind}`, now());
    deps.logger.error(log, 'no file maker registered for this kind (jobs/files/makers.ts): file marked failed');
    return 'failed';
  }

  const tmp = await deps.exports.tmpPath(req.id, ext, job.attemptsMade);
  let made: { name: string; caption?: string };
  const started = performance.now();
  try {
    made = await maker(req, tmp, deps);
    await rename(tmp, finalPath);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    const message = (err as Error).message ?? String(err);
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? FILE_ATTEMPTS)) {
      await deps.exports.markFailed(req.id, message, now());
      deps.logger.error({ ...log, err: message }, 'file maker failed on its last attempt: file marked failed');
      // Spent: BullMQ keeps it in the failed set for a day; the status is what people see.
      throw new UnrecoverableError(message);
    }
    throw err;
  }
  const bytes = (await stat(finalPath)).size;
  const name = safeFileName(made.name, ext);
  if (!(await deps.exports.markReady(req.id, { name, bytes }, now()))) {
    // Failed meanwhile (another worker's last attempt): keep the record as it is, drop our copy.
    await unlink(finalPath).catch(() => undefined);
    return 'failed';
  }
  deps.logger.info({ ...log, bytes, ms: Math.round(performance.now() - started), linkOnly: req.linkOnly === true }, 'file ready');
  if (!req.linkOnly) await pushFile(req, name, made.caption, deps);
  return 'ready';
}

/** The file message into the requester's chat: uploaded by the group robot, or the name and link in the sink. */
async function pushFile(req: { id: string; kind: keyof typeof FILE_EXTENSIONS; requester: string; chatId: string; expiresAt: number }, name: string, caption: string | undefined, deps: FileJobDeps): Promise<void> {
  const ext = FILE_EXTENSIONS[req.kind];
  await deps.outbox.enqueue({
    id: `file-${req.id}`,
    chatId: req.chatId,
    kind: 'file',
    format: 'file',
    content: caption?.trim() || name,
    file: { id: req.id, name, path: `${req.id}.${ext}`, link: deps.links.url({ id: req.id, ext, userid: req.requester, expiresAt: req.expiresAt }) },
    createdAt: deps.clock.now().getTime(),
  });
}
