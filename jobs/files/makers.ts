import { makeBulletinDocument, makeSummaryDocument } from './document-makers';
import type { FileKind, FileMaker } from './file-request';

export type FileMakers = Partial<Record<FileKind, FileMaker>>;

/**
 * The makers of each kind of file, one line each, e.g. `ledger: makeLedgerWorkbook`. A kind with
 * no maker is marked failed by the files worker (with a log line), never left pending.
 */
export const makers: FileMakers = {
  bulletin: makeBulletinDocument,
  summary: makeSummaryDocument,
};
