import { writeFile } from 'node:fs/promises';
import { periodSummary } from '../../src/domain/summary';
import { ALL_TIME, periodOfMonths, type Period } from '../../src/parsing/period';
import { officialDocx, type OfficialDocument } from '../../src/rendering/docx/official-document';
import { bulletinDocument, summaryDocument, summaryKind } from '../../src/rendering/docx/period-documents';
import type { ExtraSection } from '../../src/rendering/summary';
import type { FileMaker, FileRequest, MakerDeps } from './file-request';

/**
 * The makers of the .docx 公文 (kinds 'bulletin' and 'summary'): read the period's figures from
 * the read model when the job runs, lay them out as an official document, write it to the path
 * the files worker gives. Other modules add sections (scores, 典型经验) through `extraSections`.
 */
export interface DocumentMakerOptions {
  extraSections?: (req: FileRequest, period: Period, deps: MakerDeps) => Promise<ExtraSection[]>;
}

/** How many of the most overdue issues and units a document names. */
const OLDEST = 10;

/** The request's period with its counter buckets (a request carries the months and the label people asked with). */
export function requestPeriod(req: Pick<FileRequest, 'period'>): Period {
  return req.period.months?.length ? { ...periodOfMonths(req.period.months), label: req.period.label } : ALL_TIME;
}

/** What a file is called on people's screens: no characters a file system refuses. */
export function fileName(text: string, ext: 'docx' | 'xlsx'): string {
  return `${text.replace(/[\\/:*?"<>|\s]+/gu, '')}.${ext}`;
}

function documentMaker(build: typeof bulletinDocument, nameOf: (doc: OfficialDocument, req: FileRequest, period: Period) => string, opts: DocumentMakerOptions): FileMaker {
  return async (req, outPath, deps) => {
    const org = deps.org();
    const now = deps.clock.now().getTime();
    const period = requestPeriod(req);
    const summary = await periodSummary(deps.ledger, org, { label: req.scope.label, unitIds: req.scope.unitIds }, period, now, { oldest: OLDEST, topUnits: OLDEST });
    const [issues, extra] = await Promise.all([deps.ledger.getMany(summary.oldest.map((o) => o.id)), opts.extraSections?.(req, period, deps) ?? Promise.resolve([])]);
    const doc = build(org, summary, issues, extra);
    await writeFile(outPath, await officialDocx(doc));
    const title = doc.title.replace(/\n/g, '');
    return { name: fileName(nameOf(doc, req, period), 'docx'), caption: `📄 ${title}` };
  };
}

/** kind 'bulletin': the 通报 of a period and scope (/通报). */
export function createBulletinMaker(opts: DocumentMakerOptions = {}): FileMaker {
  return documentMaker(bulletinDocument, (_doc, req, period) => `${req.scope.label}${period === ALL_TIME ? '' : period.label}整改情况通报`, opts);
}

/** kind 'summary': the 季度小结 / 年度汇总 with the ▲/▼ table (the quarterly and annual ticks). */
export function createSummaryMaker(opts: DocumentMakerOptions = {}): FileMaker {
  return documentMaker(summaryDocument, (_doc, req, period) => `${req.scope.label}${period.label}${summaryKind({ period }) === '年度汇总' ? '年度汇总' : '小结'}`, opts);
}

export const makeBulletinDocument: FileMaker = createBulletinMaker();
export const makeSummaryDocument: FileMaker = createSummaryMaker();
