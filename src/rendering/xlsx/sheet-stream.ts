import { EventEmitter, once } from 'node:events';
import type { stream, Style, Worksheet } from 'exceljs';

/**
 * The rows of a large sheet written as SpreadsheetML straight into exceljs's sheet stream, the
 * workbook (zip, styles.xml, columns, views, merges, autofilter, hyperlinks, the other sheets)
 * still made by exceljs. Why: exceljs builds a Row, a Cell, a Value and a model object per cell
 * and renders each through an XML builder of many small strings; for the 台账's 100 000 rows of
 * 24 columns that was some 40 % of the export and most of its garbage. Written here (RowWriter),
 * the rows are the markup exceljs itself writes, so the file reads back the same: `<row r>`,
 * `<c r s>` with `<v>` for numbers and dates (Excel serial days), `t="str"` for text.
 *
 * What this takes from exceljs's streaming writer is not in its typings (pinned at 4.4.0): the
 * workbook's StylesXform (a style's id in styles.xml), the sheet's StreamBuf and its rels writer
 * (hyperlinks), and the zip's PassThrough (back-pressure). `sheetStream` checks they are there
 * and throws when a version lays them out differently, so the export fails loudly (and the
 * tests with it) rather than writing a broken file.
 */
export type CellValue = string | number | Date;

/** exceljs's ValueType numbers (doc/enums.js): addStyleModel picks a default numFmt by them. */
const VALUE_TYPE = { number: 2, string: 3, date: 4 } as const;

interface StylesXform {
  addStyleModel(style: Partial<Style>, cellType?: number): number;
}
interface StreamBuf {
  write(data: Buffer): unknown;
  pipes?: unknown[];
}
interface SheetInternals {
  stream?: StreamBuf;
  startedData?: boolean;
  _sheetRelsWriter?: { hyperlinksProxy?: { push(link: { address: string; target: string }): void } };
}

export interface SheetStream {
  /** The id of a style in styles.xml (0 for the default), as exceljs would give a cell of this kind. */
  styleId(style: Partial<Style>, kind: keyof typeof VALUE_TYPE): number;
  /** Appends rows to the sheet's data (flush it before waiting and before committing the sheet). */
  readonly rows: RowWriter;
  /** An external link on a cell (written with the sheet's rels when it is committed). */
  hyperlink(address: string, target: string): void;
  /**
   * Waits while the sheet's XML waits to be compressed. exceljs hands the XML to the zip at once
   * and ignores back-pressure (the sheet's stream writes into archiver's PassThrough whatever that
   * returns), so a fast producer piles the uncompressed sheet up in memory: some 100 MB for
   * 100 000 rows. Awaiting the PassThrough's 'drain' between batches keeps that to one buffer's
   * worth. The PassThrough is readable-stream's, so its state is read the way every version of
   * it keeps it.
   */
  drained(): Promise<void>;
}

/**
 * The data part of a sheet whose title and header rows exceljs has committed (so its `<cols>`
 * and `<sheetData>` are written); rows from here on go through `rows` only, never getRow.
 */
export function sheetStream(wb: stream.xlsx.WorkbookWriter, ws: Worksheet): SheetStream {
  const styles = (wb as unknown as { styles?: Partial<StylesXform> }).styles;
  const sheet = ws as unknown as SheetInternals;
  const out = sheet.stream;
  const links = sheet._sheetRelsWriter?.hyperlinksProxy;
  if (typeof styles?.addStyleModel !== 'function' || typeof out?.write !== 'function' || typeof links?.push !== 'function' || sheet.startedData !== true) {
    throw new Error('exceljs’s streaming writer is not laid out as sheet-stream.ts expects (exceljs 4.4.0): the sheet cannot be written');
  }
  return {
    styleId: (style, kind) => styles.addStyleModel!(style, VALUE_TYPE[kind]),
    rows: new RowWriter((chunk) => void out.write(chunk)),
    hyperlink: (address, target) => links.push({ address, target }),
    drained: () => drained(out),
  };
}

/** Waits for the zip's 'drain' when the sheet's stream has piled up (see SheetStream.drained). */
async function drained(buf: StreamBuf): Promise<void> {
  const sink = buf.pipes?.[0] as (EventEmitter & { _writableState?: { needDrain?: boolean } }) | undefined;
  if (sink instanceof EventEmitter && sink._writableState?.needDrain) await once(sink, 'drain');
}

/** Excel's serial day number of a Date (its UTC fields as the wall time), as exceljs writes it. */
export function excelSerial(d: Date): number {
  return 25569 + d.getTime() / 86_400_000;
}

const ESCAPED = /[&<>]/u;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Text as XML element content. Characters XML cannot carry never reach here: every user text
 * goes through cellText, and the rest are the sheet's own words.
 */
export function xmlText(text: string): string {
  return ESCAPED.test(text) ? text.replace(/[&<>]/gu, (c) => ESCAPES[c]!) : text;
}

/** Bytes handed to the sheet's stream at a time (its own buffers are 64 KB). */
const CHUNK = 64 * 1024;

/**
 * Rows as XML, each built as one string and encoded into 64 KB buffers that go to the sheet's
 * stream as they fill: one encoding call per row, and nothing kept once the row is encoded.
 */
export class RowWriter {
  private buf = Buffer.allocUnsafe(CHUNK);
  private at = 0;
  /** The open row's markup so far, and its number as text (every cell's address ends with it). */
  private xml = '';
  private row = '';
  /** ` s="7"` by style id: built once, not per cell. */
  private readonly styleAttrs: string[] = [];

  constructor(private readonly out: (chunk: Buffer) => void) {}

  /** `<row r>`; a row style (`customFormat`) dresses the cells the row leaves out. */
  openRow(row: number, styleId: number): void {
    this.row = String(row);
    this.xml = styleId ? `<row r="${this.row}"${this.styleAttr(styleId)} customFormat="1">` : `<row r="${this.row}">`;
  }

  /**
   * A cell of the open row in column `letters`: `<v>` for numbers and dates (Excel serial days),
   * `t="str"` for text; a number that is not finite is left out.
   */
  cell(letters: string, styleId: number, value: CellValue): void {
    const open = `<c r="${letters}${this.row}"${styleId ? this.styleAttr(styleId) : ''}`;
    if (typeof value === 'string') {
      this.xml += `${open} t="str"><v>${xmlText(value)}</v></c>`;
      return;
    }
    const n = typeof value === 'number' ? value : excelSerial(value);
    if (Number.isFinite(n)) this.xml += `${open}><v>${n}</v></c>`;
  }

  closeRow(): void {
    const xml = `${this.xml}</row>`;
    this.xml = '';
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const most = xml.length * 3;
    if (this.at + most > CHUNK) this.flush();
    if (most > CHUNK) this.out(Buffer.from(xml, 'utf8'));
    else this.at += this.buf.write(xml, this.at, 'utf8');
  }

  /** Hands over what is buffered. */
  flush(): void {
    if (!this.at) return;
    this.out(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.at = 0;
  }

  private styleAttr(id: number): string {
    return (this.styleAttrs[id] ??= ` s="${id}"`);
  }
}
