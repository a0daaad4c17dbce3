import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import ExcelJS from 'exceljs';
import { cellPrimitive } from '../config/cell-text';
import { normalizeText } from '../parsing/normalize';

/**
 * Reads a district's existing 问题台账 workbook row by row (exceljs's streaming reader: a
 * 100 000-row sheet never sits in memory as a workbook). The header row is the first with at
 * least three known column names — districts put a title row or two above it — and columns are
 * matched by name after folding (full-width, Traditional, spaces, the usual synonyms), never by
 * position.
 */
export const LEDGER_FIELDS = ['description', 'unit', 'town', 'deadline', 'status', 'foundAt', 'finder', 'fixNote', 'category', 'assignee'] as const;
export type LedgerField = (typeof LEDGER_FIELDS)[number];

/** The Chinese name each field is shown and --map'ed by (the seeds' 问题台账清单 headers). */
export const FIELD_WORDS: Record<LedgerField, string> = {
  description: '问题描述',
  unit: '责任单位',
  town: '镇街',
  deadline: '整改期限',
  status: '状态',
  foundAt: '发现时间',
  finder: '发现人',
  fixNote: '整改情况',
  category: '类别',
  assignee: '责任人',
};

/** Header names as districts write them (folded), per field. */
const SYNONYMS: Record<LedgerField, readonly string[]> = {
  description: ['问题描述', '问题', '存在问题', '存在的问题', '问题内容', '问题表现'],
  unit: ['责任单位', '单位', '村(社区)', '村社区', '村(社区)名称', '所在村', '村居'],
  town: ['镇街', '所属镇街', '乡镇', '镇(街道)', '镇街道', '乡镇(街道)'],
  deadline: ['整改期限', '完成时限', '期限', '整改时限', '整改时间', '完成期限'],
  status: ['状态', '是否整改', '整改状态', '是否完成', '是否整改到位', '办理状态', '完成状态'],
  foundAt: ['发现时间', '发现日期', '时间', '日期', '检查时间', '检查日期'],
  finder: ['发现人', '检查人', '督查人', '上报人'],
  fixNote: ['整改情况', '整改措施', '整改结果', '整改落实情况', '整改进展'],
  category: ['类别', '问题类别', '问题类型', '类型'],
  assignee: ['责任人', '整改责任人'],
};

/** The key a header is compared by: folded, without spaces, with half-width brackets. */
export function headerKey(text: string): string {
  return normalizeText(text).replace(/\s+/g, '').replace(/[（]/g, '(').replace(/[）]/g, ')').toLowerCase();
}

const BY_KEY = new Map<string, LedgerField>();
for (const f of LEDGER_FIELDS) for (const s of SYNONYMS[f]) BY_KEY.set(headerKey(s), f);
const BY_WORD = new Map<string, LedgerField>();
for (const f of LEDGER_FIELDS) {
  BY_WORD.set(headerKey(FIELD_WORDS[f]), f);
  BY_WORD.set(f.toLowerCase(), f);
}

/** `--map 反馈问题=问题描述`: a header of this file to a field (by its Chinese name or one of its synonyms). */
export function parseColumnMap(pairs: readonly string[]): { map: Map<string, LedgerField>; problems: string[] } {
  const map = new Map<string, LedgerField>();
  const problems: string[] = [];
  for (const pair of pairs) {
    const eq = normalizeText(pair).indexOf('=');
    const header = eq > 0 ? headerKey(normalizeText(pair).slice(0, eq)) : '';
    const target = eq > 0 ? headerKey(normalizeText(pair).slice(eq + 1)) : '';
    const field = BY_WORD.get(target) ?? BY_KEY.get(target);
    if (!header || !field) {
      problems.push(`--map “${pair}” 看不懂：应写作 列名=字段，字段是 ${LEDGER_FIELDS.map((f) => FIELD_WORDS[f]).join('、')} 之一，例如 --map 反馈问题=问题描述`);
      continue;
    }
    map.set(header, field);
  }
  return { map, problems };
}

/** A cell as read: text, a number (an Excel date serial in a date column) or a Date. */
export type CellValue = string | number | Date;
export type RawRow = { row: number; values: Partial<Record<LedgerField, CellValue>> };

export interface HeaderFound {
  sheet: string;
  row: number;
  /** Column number (1-based) → field. */
  columns: Map<number, LedgerField>;
  /** Headers that matched nothing, as written (they are ignored; shown so a --map can be added). */
  unknown: string[];
}

export interface SheetProgress {
  /** Compressed bytes of the file read so far, of `total`: rows are not counted before reading. */
  bytes: number;
  total: number;
  rows: number;
}

export class LedgerSheetError extends Error {}

const HEADER_SEARCH_ROWS = 20;
const MIN_KNOWN_HEADERS = 3;

/**
 * The rows under the header of the sheet named `sheet` (default: the first sheet that has a
 * header row). Yields the header first, then each non-empty row with its number as Excel shows
 * it. Throws LedgerSheetError (a Chinese message) when no header is found or the sheet is missing.
 */
export async function* readLedgerSheet(
  file: string,
  options: { sheet?: string; map?: ReadonlyMap<string, LedgerField>; onProgress?: (p: SheetProgress) => void } = {},
): AsyncGenerator<{ kind: 'header'; header: HeaderFound } | { kind: 'row'; row: RawRow }> {
  // Progress is by the bytes of XML parsed, of the parts' sizes in the zip's directory: rows are not counted before reading.
  const sizes = await zipPartSizes(file);
  const total = [...sizes].filter(([name]) => name === 'xl/sharedStrings.xml' || /^xl\/worksheets\/sheet\d+\.xml$/.test(name)).reduce((a, [, n]) => a + n, 0);
  let bytes = 0;
  let rows = 0;
  const reader = new Utf8WorkbookReader(createReadStream(file), { worksheets: 'emit', sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore', entries: 'ignore' });
  reader.onBytes = (n: number) => {
    bytes += n;
  };
  const wanted = options.sheet === undefined ? undefined : headerKey(options.sheet);
  const seen: string[] = [];
  let found = false;
  try {
    for await (const ws of reader) {
      const name = sheetName(reader, ws);
      seen.push(name);
      if (found || (wanted !== undefined && headerKey(name) !== wanted)) {
        for await (const _ of ws) void _; // drained: the zip is read in order
        continue;
      }
      let header: HeaderFound | undefined;
      for await (const row of ws) {
        if (!header) {
          if (row.number > HEADER_SEARCH_ROWS) break;
          header = headerOf(name, row, options.map);
          if (header) {
            found = true;
            yield { kind: 'header', header };
          }
          continue;
        }
        const values: Partial<Record<LedgerField, CellValue>> = {};
        let any = false;
        for (const [col, field] of header.columns) {
          const v = cellValue(row.getCell(col).value);
          if (v === undefined) continue;
          values[field] = v;
          any = true;
        }
        rows++;
        if (rows % 2000 === 0) options.onProgress?.({ bytes, total, rows });
        if (any) yield { kind: 'row', row: { row: row.number, values } };
      }
      if (wanted !== undefined && !found) throw new LedgerSheetError(`工作表“${options.sheet}”的前 ${HEADER_SEARCH_ROWS} 行里没有表头（至少 ${MIN_KNOWN_HEADERS} 列是 ${Object.values(FIELD_WORDS).join('、')} 等）`);
    }
  } catch (err) {
    if (err instanceof LedgerSheetError) throw err;
    throw new LedgerSheetError(`无法读取 ${file}：${(err as Error).message}（应为 .xlsx 文件）`);
  }
  options.onProgress?.({ bytes: total, total, rows });
  if (wanted !== undefined && !seen.some((s) => headerKey(s) === wanted)) throw new LedgerSheetError(`没有名为“${options.sheet}”的工作表（有：${seen.join('、') || '无'}）`);
  if (!found) throw new LedgerSheetError(`没有找到表头：任一工作表的前 ${HEADER_SEARCH_ROWS} 行里，须有一行至少 ${MIN_KNOWN_HEADERS} 列是 ${Object.values(FIELD_WORDS).join('、')} 等；列名不同时用 --map，例如 --map 反馈问题=问题描述`);
}

function headerOf(sheet: string, row: ExcelJS.Row, map: ReadonlyMap<string, LedgerField> | undefined): HeaderFound | undefined {
  const columns = new Map<number, LedgerField>();
  const unknown: string[] = [];
  const taken = new Set<LedgerField>();
  row.eachCell((cell, col) => {
    const text = typeof cell.value === 'string' ? cell.value : cell.text;
    const key = headerKey(text ?? '');
    if (!key) return;
    const field = map?.get(key) ?? BY_KEY.get(key);
    // The first column of a field wins: a second 时间 column (整改时间) must not shadow 发现时间.
    if (field && !taken.has(field)) {
      columns.set(col, field);
      taken.add(field);
    } else if (!field) unknown.push(String(text).trim());
  });
  return columns.size >= MIN_KNOWN_HEADERS ? { sheet, row: row.number, columns, unknown } : undefined;
}

/** A cell as the placer reads it: text, a number or a Date (a boolean as 是/否); empty → undefined. */
function cellValue(v: ExcelJS.CellValue): CellValue | undefined {
  const p = cellPrimitive(v);
  if (p === undefined) return undefined;
  if (typeof p === 'boolean') return p ? '是' : '否';
  if (typeof p === 'string') return p.trim() === '' ? undefined : p;
  return p;
}

/** The sheet's name from the workbook part (exceljs's stream reader names it SheetN otherwise). */
function sheetName(reader: ExcelJS.stream.xlsx.WorkbookReader, ws: ExcelJS.stream.xlsx.WorksheetReader): string {
  const r = reader as unknown as { model?: { sheets?: { id: number; name: string; rId: string }[] }; workbookRels?: { Id: string; Target: string }[] };
  const w = ws as unknown as { id: string | number; name: string };
  const rel = r.workbookRels?.find((x) => x.Target.endsWith(`sheet${w.id}.xml`));
  const sheet = r.model?.sheets?.find((s) => (rel ? s.rId === rel.Id : String(s.id) === String(w.id)));
  return sheet?.name ?? w.name;
}

/**
 * exceljs's stream reader decodes each zip chunk on its own (utils/parse-sax.js), so a Chinese
 * character split across two chunks turns into "��" (9月15日 read as 9月15��). Its parser takes
 * strings as they are: hand it the shared strings and the sheets already decoded, a stream at a
 * time (StringDecoder keeps a split character's bytes for the next chunk).
 */
const BaseReader = ExcelJS.stream.xlsx.WorkbookReader as unknown as new (input: unknown, options: unknown) => object;
class Utf8WorkbookReader extends BaseReader {
  onBytes: (n: number) => void = () => undefined;

  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown> {
    entry.on('data', (c: Buffer) => this.onBytes(c.length));
    const text = entry.pipe(new PassThrough());
    text.setEncoding('utf8');
    const base = BaseReader.prototype as unknown as { _parseSharedStrings(this: object, e: Readable): AsyncGenerator<unknown> };
    return base._parseSharedStrings.call(this, text);
  }

  _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Generator<unknown> {
    const base = BaseReader.prototype as unknown as { _parseWorksheet(this: object, it: AsyncIterable<string>, n: string): Generator<unknown> };
    return base._parseWorksheet.call(this, decoded(iterator, (n) => this.onBytes(n)), sheetNo);
  }
}
interface Utf8WorkbookReader extends ExcelJS.stream.xlsx.WorkbookReader {}

async function* decoded(chunks: AsyncIterable<Buffer | string>, onBytes: (n: number) => void): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const c of chunks) {
    onBytes(c.length);
    const s = typeof c === 'string' ? c : decoder.write(c);
    if (s) yield s;
  }
  const tail = decoder.end();
  if (tail) yield tail;
}

/**
 * The uncompressed size of each part, from the zip's central directory at the end of the file
 * (a streamed entry's local header may say 0). Empty when the directory cannot be read: the
 * progress then has no total, and the reader still says what is wrong with the file.
 */
async function zipPartSizes(file: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const tailLen = Math.min(size, 65_557); // the end record (22 B) plus the longest comment
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) return sizes;
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (dirOffset + dirSize > size) return sizes;
    const dir = Buffer.alloc(dirSize);
    await fh.read(dir, 0, dirSize, dirOffset);
    for (let p = 0; p + 46 <= dir.length && dir.readUInt32LE(p) === 0x02014b50; ) {
      const uncompressed = dir.readUInt32LE(p + 24);
      const nameLen = dir.readUInt16LE(p + 28);
      const extraLen = dir.readUInt16LE(p + 30);
      const commentLen = dir.readUInt16LE(p + 32);
      sizes.set(dir.toString('utf8', p + 46, p + 46 + nameLen), uncompressed);
      p += 46 + nameLen + extraLen + commentLen;
    }
  } finally {
    await fh.close();
  }
  return sizes;
}
