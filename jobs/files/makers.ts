import { talksReadable } from '../../src/domain/talk';
import { performanceSheet } from '../../src/rendering/xlsx/performance-sheet';
import { practiceSheet } from '../../src/rendering/xlsx/practice-sheet';
import { PerformanceReader } from '../../src/store/performance-reader';
import { PracticeStore } from '../../src/store/practice-store';
import { computeScoreBoard } from '../../src/store/score-board';
import { TalkStore } from '../../src/store/talk-store';
import { departmentSections, scoreSheetProvider, visitSheetProvider } from './department-extras';
import { createBulletinMaker, createSummaryMaker } from './document-makers';
import type { FileKind, FileMaker } from './file-request';
import { createLedgerMaker, type SheetProvider } from './ledger-maker';
import { checklistSheetProvider, roundSheetProvider } from './round-sheets';

export type FileMakers = Partial<Record<FileKind, FileMaker>>;

/** The 台账 workbook's sheets after 台账 and 汇总, each from the module that owns its data. */
export const ledgerSheets: readonly SheetProvider[] = [
  scoreSheetProvider,
  async (req, deps) => practiceSheet(deps.org(), new PracticeStore(deps.redis, deps.keys), req),
  visitSheetProvider,
  roundSheetProvider,
  checklistSheetProvider,
  async (req, deps) =>
    performanceSheet(
      deps.org(),
      { performance: new PerformanceReader(deps.redis, deps.keys), talks: new TalkStore(deps.redis, deps.keys), practices: new PracticeStore(deps.redis, deps.keys), board: (q) => computeScoreBoard(deps, q) },
      req,
      deps.clock.now().getTime(),
      // A single chat's messages carry the sender's userid as the chat (src/wecom/to-incoming.ts).
      talksReadable(deps.org(), req.requester, { single: req.chatId === req.requester, chatId: req.chatId }),
    ),
];

/**
 * The makers of each kind of file, one line each. A kind with no maker is marked failed by the
 * files worker (with a log line), never left pending.
 */
export const makers: FileMakers = {
  ledger: createLedgerMaker({ sheets: ledgerSheets }),
  bulletin: createBulletinMaker({ extraSections: (req, _period, deps) => departmentSections(deps, req) }),
  summary: createSummaryMaker({ extraSections: (req, _period, deps) => departmentSections(deps, req) }),
};
