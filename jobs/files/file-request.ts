import { z } from 'zod';
import type { Clock } from '../../src/clock';
import type { Org } from '../../src/domain/org';
import type { Logger } from '../../src/log/logger';
import type { Keys } from '../../src/store/keys';
import type { LedgerStore } from '../../src/store/ledger-store';
import type { RedisClient } from '../../src/store/redis';
import type { LinkSigner } from '../../src/server/signed-links';

/**
 * A file the department asked for (the 台账 workbook, a .docx 通报, a summary's attachments).
 * Files are made by a job, never inside the callback (WeCom wants the answer within seconds):
 * the command replies with a signed link at once, the worker writes the file under
 * DATA_DIR/exports and then pushes it into the chat.
 */
export const FILE_KINDS = ['ledger', 'bulletin', 'summary'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export const fileRequestSchema = z.object({
  /** Random, URL-safe; also the file's name on disk and the BullMQ job id. */
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  kind: z.enum(FILE_KINDS),
  /** Who asked (the link is signed for them) and where the file message goes. */
  requester: z.string().min(1),
  chatId: z.string().min(1),
  scope: z.object({ label: z.string().min(1), unitIds: z.array(z.string()) }),
  /** The period as /status reads it: months "YYYYMM" it covers; none = all time. */
  period: z.object({ label: z.string().min(1), months: z.array(z.string()).optional() }),
  createdAt: z.number(),
  expiresAt: z.number(),
  /** Anything a maker needs beyond scope and period (e.g. the summary's previous period). */
  extra: z.record(z.string(), z.string()).default({}),
  /**
   * Served at its signed link only, never pushed into the chat as a file message: the
   * dashboard's export, whose person is in a browser, not in a chat. Unset: pushed (commands).
   */
  linkOnly: z.boolean().optional(),
});
export type FileRequest = z.output<typeof fileRequestSchema>;
export type FileRequestInput = z.input<typeof fileRequestSchema>;

/** What a maker may read. */
export interface MakerDeps {
  redis: RedisClient;
  keys: Keys;
  ledger: LedgerStore;
  org: () => Org;
  clock: Clock;
  logger: Logger;
  /** Signs links in a file (the 台账's 佐证材料 cells); the files worker always gives it. */
  links?: LinkSigner;
}

/**
 * Writes one kind of file to `outPath` (the worker chooses the path and renames it into place
 * when the maker resolves, so a half-written file is never served). Resolves with the name
 * people see ("福禄镇台账_2026年第4季度.xlsx") and the text of the chat message that goes with it.
 */
export type FileMaker = (req: FileRequest, outPath: string, deps: MakerDeps) => Promise<{ name: string; caption?: string }>;

/**
 * File extension per kind (the maker writes that format): the 台账 workbook; the 通报 and the
 * 季度小结/年度汇总 as .docx official documents (a summary push also attaches a 'ledger' file).
 */
export const FILE_EXTENSIONS: Record<FileKind, 'xlsx' | 'docx'> = { ledger: 'xlsx', bulletin: 'docx', summary: 'docx' };
