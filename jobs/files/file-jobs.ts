import { randomBytes } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';
import type { Clock } from '../../src/clock';
import type { Org } from '../../src/domain/org';
import type { Logger } from '../../src/log/logger';
import type { FileLink, LinkSigner } from '../../src/server/signed-links';
import type { ExportFiles, ExportMeta } from '../../src/store/export-files';
import { FILE_EXTENSIONS, fileRequestSchema, type FileKind, type FileRequestInput } from './file-request';

/** What a command asks for: a FileRequestInput whose id, createdAt and expiresAt may be left to duban. */
export type FileOrder = Omit<FileRequestInput, 'id' | 'createdAt' | 'expiresAt'> & Partial<Pick<FileRequestInput, 'id' | 'createdAt' | 'expiresAt'>>;

/** The answer to a request: the signed link for the requester (it works once the file is ready) and when it expires. */
export interface FileTicket {
  id: string;
  url: string;
  expiresAt: number;
}

export interface FilesClient {
  /**
   * Records the file as pending, queues its job (job id = file id: a second request with the same
   * id queues nothing) and returns the signed link at once.
   */
  request(order: FileOrder): Promise<FileTicket>;
  /** The file's status and details; undefined once its metadata is gone (a day after expiry). */
  get(id: string): Promise<ExportMeta | undefined>;
  /** A signed link to a file for someone (e.g. each admin of a summary). */
  link(file: { id: string; kind: FileKind; userid: string; expiresAt: number }): string;
}

/** A maker that throws is tried this many times in all, then the file is marked failed. */
export const FILE_ATTEMPTS = 3;

export function fileJobOptions(id: string, backoffMs: number): JobsOptions {
  return {
    jobId: id,
    attempts: FILE_ATTEMPTS,
    backoff: { type: 'exponential', delay: backoffMs },
    // The metadata, not the job, is the record: done jobs go, failed ones stay a day to look at.
    removeOnComplete: true,
    removeOnFail: { age: 86_400 },
  };
}

export function createFilesClient(deps: { queue: Queue; exports: ExportFiles; links: LinkSigner; org: () => Org; clock: Clock; logger: Logger; backoffMs?: number }): FilesClient {
  const link = (l: FileLink) => deps.links.url(l);
  return {
    async request(order) {
      const now = deps.clock.now().getTime();
      const req = fileRequestSchema.parse({
        ...order,
        id: order.id ?? randomBytes(12).toString('base64url'),
        createdAt: order.createdAt ?? now,
        expiresAt: order.expiresAt ?? now + deps.org().policy.exportLinkTtl.ms,
      });
      const created = await deps.exports.create(req, now);
      // Even for a known id: a job lost before it ran is queued again (BullMQ ignores a live duplicate).
      await deps.queue.add('file', req, fileJobOptions(req.id, deps.backoffMs ?? 5_000));
      deps.logger.info({ file: req.id, kind: req.kind, requester: req.requester, chat: req.chatId, created }, 'file requested');
      return { id: req.id, url: link({ id: req.id, ext: FILE_EXTENSIONS[req.kind], userid: req.requester, expiresAt: req.expiresAt }), expiresAt: req.expiresAt };
    },
    get: (id) => deps.exports.get(id),
    link: (f) => link({ id: f.id, ext: FILE_EXTENSIONS[f.kind], userid: f.userid, expiresAt: f.expiresAt }),
  };
}
