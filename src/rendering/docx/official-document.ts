import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  LineRuleType,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableLayoutType,
  TableCell,
  TableRow,
  TextRun,
  VerticalAlignTable,
  WidthType,
  type IRunOptions,
} from 'docx';
import JSZip from 'jszip';
import { wallTime } from '../../domain/time';
import { cleanInput } from '../../parsing/clean-input';

/**
 * A 公文 (official document) in the layout of GB/T 9704-2012 《党政机关公文格式》, as .docx made
 * with the `docx` library: A4, the standard's margins, the title in 小标宋 二号, the body in 仿宋
 * 三号 on a 22-line grid, headings in the standard's fonts and numbering (一、 （一） 1.), the
 * 落款 of an unsealed document and the page number "— 1 —". The office edits and prints it: the
 * content is plain paragraphs and one simple table per table block, no fields but the page
 * number. See docs/design.md §5.5 for what Word and WPS do without the fonts.
 */
export type Block =
  /**
   * A heading, numbered by level: 一、 （一） 1. (the numbers restart under each parent); `rest`
   * runs on in the body font in the same paragraph ("（一）压实整改责任。各工作队要……").
   */
  | { kind: 'heading'; level: 1 | 2 | 3; text: string; rest?: string }
  | { kind: 'paragraph'; text: string }
  /** A simple table: a header row and rows of text; numbers are centred. */
  | { kind: 'table'; header: readonly string[]; rows: readonly (readonly string[])[] };

export interface OfficialDocument {
  /** One or two lines (split at "\n"), centred. */
  title: string;
  /** 主送机关, ending with "：" (added when missing). */
  mainRecipient?: string;
  body: readonly Block[];
  /** 发文机关署名, e.g. 中共示例区委组织部. */
  issuer: string;
  /** 成文日期 (written in Chinese numerals). */
  date: number;
  /** The document's properties (author shown by Word). */
  creator?: string;
}

/** The standard's fonts, by the names Word and WPS look them up with. */
export const FONTS = {
  title: '方正小标宋简体',
  body: '仿宋_GB2312',
  heading1: '黑体',
  heading2: '楷体_GB2312',
  pageNumber: '宋体',
  latin: 'Times New Roman',
} as const;

/** Font sizes in points: 二号 22, 三号 16, 四号 14 (the page number), 小四 12 (tables). */
export const SIZES = { title: 22, body: 16, pageNumber: 14, table: 12 } as const;

/**
 * The page: A4 (210 × 297 mm); margins top 37, bottom 35, left 28, right 26 mm (the standard's
 * 版心 156 × 225 mm); 22 lines of 三号 per page, so a fixed line pitch of 225 mm / 22 ≈ 28.95 pt;
 * the page number's rule 7 mm below the 版心.
 */
export const PAGE = {
  widthMm: 210,
  heightMm: 297,
  marginMm: { top: 37, bottom: 35, left: 28, right: 26 },
  /** Bottom edge of the page to the bottom of the page-number line (35 − 7 − the line's own height). */
  footerMm: 23,
  linePitchTwips: 579,
} as const;

/** A character of 三号 is 16 pt = 320 twips: indents are counted in characters. */
const CHAR_TWIPS = SIZES.body * 20;
const halfPoints = (pt: number) => pt * 2;

/**
 * How a missing font is found (w:fonts of fontTable.xml): Word substitutes by altName, then by
 * charset (GB2312 = 86), family and PANOSE; WPS reads the altName. The values are those of the
 * Windows fonts named in altName.
 */
const FONT_TABLE: readonly { name: string; altName?: string; panose?: string; family: string; pitch: string }[] = [
  { name: FONTS.title, altName: '宋体', panose: '02010600030101010101', family: 'auto', pitch: 'variable' },
  { name: FONTS.body, altName: '仿宋', panose: '02010609030101010101', family: 'modern', pitch: 'fixed' },
  { name: FONTS.heading1, panose: '02010609060101010101', family: 'modern', pitch: 'fixed' },
  { name: FONTS.heading2, altName: '楷体', panose: '02010609030101010101', family: 'modern', pitch: 'fixed' },
  { name: FONTS.pageNumber, altName: 'SimSun', panose: '02010600030101010101', family: 'auto', pitch: 'variable' },
  { name: '仿宋', altName: 'FangSong', panose: '02010609030101010101', family: 'modern', pitch: 'fixed' },
  { name: '楷体', altName: 'KaiTi', panose: '02010609030101010101', family: 'modern', pitch: 'fixed' },
];

const DIGITS = '〇一二三四五六七八九';

/** 1–99 as Chinese numerals: 十, 十二, 二十, 三十一. */
export function chineseNumber(n: number): string {
  if (n < 10) return DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : DIGITS[tens]}十${ones ? DIGITS[ones] : ''}`;
}

/** The 成文日期 in Chinese numerals, Shanghai calendar: 二〇二六年十二月一日. */
/**
 * The 成文日期 as GB/T 9704-2012 writes it: Arabic numerals, the year in full, no leading zeros
 * (2026年12月2日). The 2012 edition replaced the Chinese numerals of 1999 (二〇二六年…).
 */
export function documentDate(ms: number): string {
  const w = wallTime(ms);
  return `${w.year}年${w.month}月${w.day}日`;
}

/** The date in Chinese numerals (二〇二六年十二月一日), as older documents and some offices write it. */
export function chineseDate(ms: number): string {
  const w = wallTime(ms);
  return `${[...String(w.year)].map((d) => DIGITS[Number(d)]).join('')}年${chineseNumber(w.month)}月${chineseNumber(w.day)}日`;
}

const HEADING_NUMBER: Record<1 | 2 | 3, (n: number) => string> = {
  1: (n) => `${chineseNumber(n)}、`,
  2: (n) => `（${chineseNumber(n)}）`,
  3: (n) => `${n}.`,
};

/**
 * Text as a Word run may hold it: XML 1.0 has no place for control characters, lone surrogates
 * or U+FFFE/FFFF (a description typed with one must not make a file Word refuses to open).
 */
export function docText(text: string): string {
  return cleanInput(text).replace(/[\n\t]+/g, ' ').replace(/\p{Surrogate}|[\uFFFE\uFFFF]/gu, '');
}

function run(text: string, eastAsia: string, size: number, more: Partial<IRunOptions> = {}): TextRun {
  return new TextRun({ text: docText(text), font: { ascii: FONTS.latin, hAnsi: FONTS.latin, eastAsia }, size: halfPoints(size), ...more });
}

/** Body spacing: the fixed grid pitch, nothing before or after. */
const BODY_SPACING = { line: PAGE.linePitchTwips, lineRule: LineRuleType.EXACT, before: 0, after: 0 } as const;

function bodyParagraph(children: TextRun[], indentChars = 2): Paragraph {
  return new Paragraph({ children, spacing: BODY_SPACING, alignment: AlignmentType.JUSTIFIED, indent: { firstLine: indentChars * CHAR_TWIPS } });
}

// docx's convertMillimetersToTwip rounds down (A4 would come out 11905 × 16837); Word's A4 is 11906 × 16838.
const mm = (v: number) => Math.round((v * 1440) / 25.4);

const blank = () => new Paragraph({ children: [], spacing: BODY_SPACING });

function cell(text: string, header: boolean, numeric: boolean, widthTwips: number): TableCell {
  return new TableCell({
    verticalAlign: VerticalAlignTable.CENTER,
    width: { size: widthTwips, type: WidthType.DXA },
    margins: { left: 80, right: 80, top: 40, bottom: 40 },
    children: [
      new Paragraph({
        alignment: header || numeric ? AlignmentType.CENTER : AlignmentType.LEFT,
        spacing: { line: 360, lineRule: LineRuleType.EXACT, before: 0, after: 0 },
        children: [run(text, header ? FONTS.heading1 : FONTS.body, SIZES.table)],
      }),
    ],
  });
}

const NUMERIC = /^[\d.,%▲▼—\s-]+$/u;

/**
 * The first column holds names (第一工作队, 福禄镇斑竹村): it gets room for about six characters
 * so a name does not break over two lines; the figures share the rest.
 */
function columnWidths(columns: number): number[] {
  const total = mm(PAGE.widthMm - PAGE.marginMm.left - PAGE.marginMm.right);
  if (columns <= 1) return [total];
  const first = Math.min(Math.round(total * 0.4), SIZES.table * 20 * 6 + 160);
  const rest = Math.floor((total - first) / (columns - 1));
  return [first, ...Array.from({ length: columns - 1 }, () => rest)];
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): Table {
  const border = { style: BorderStyle.SINGLE, size: 4, color: '000000' };
  const widths = columnWidths(header.length);
  return new Table({
    width: { size: widths.reduce((a, b) => a + b, 0), type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    borders: { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border },
    rows: [
      new TableRow({ tableHeader: true, children: header.map((h, i) => cell(h, true, false, widths[i]!)) }),
      ...rows.map((r) => new TableRow({ cantSplit: true, children: r.map((c, i) => cell(c, false, i > 0 && NUMERIC.test(c), widths[i]!)) })),
    ],
  });
}

function pageNumberFooter(side: 'odd' | 'even'): Footer {
  // 单页码居右空一字，双页码居左空一字 (one 四号 character is 14 pt = 280 twips).
  const indent = side === 'odd' ? { right: SIZES.pageNumber * 20 } : { left: SIZES.pageNumber * 20 };
  const style = { font: { ascii: FONTS.pageNumber, hAnsi: FONTS.pageNumber, eastAsia: FONTS.pageNumber }, size: halfPoints(SIZES.pageNumber) };
  return new Footer({
    children: [
      new Paragraph({
        alignment: side === 'odd' ? AlignmentType.RIGHT : AlignmentType.LEFT,
        indent,
        children: [new TextRun({ text: '— ', ...style }), new TextRun({ children: [PageNumber.CURRENT], ...style }), new TextRun({ text: ' —', ...style })],
      }),
    ],
  });
}

/**
 * The 落款 of an unsealed document (GB/T 9704-2012 7.3.5.2): the issuer right-aligned two
 * characters from the margin, the date on the next line starting two characters right of the
 * issuer; when the date is the longer, the date keeps two characters and the issuer moves left.
 */
export function signatureIndents(issuer: string, date: string): { issuerRightChars: number; dateRightChars: number } {
  // Widths in characters of the body font: Arabic digits are half as wide as a Chinese character.
  const width = (t: string) => [...t].reduce((w, ch) => w + (ch.codePointAt(0)! < 0x2e80 ? 0.5 : 1), 0);
  const n = width(issuer);
  const d = width(date);
  let issuerRight = 2;
  let dateRight = issuerRight + n - 2 - d;
  if (dateRight < 2) {
    dateRight = 2;
    issuerRight = dateRight + d + 2 - n;
  }
  return { issuerRightChars: issuerRight, dateRightChars: dateRight };
}

function bodyBlocks(blocks: readonly Block[]): (Paragraph | Table)[] {
  const counters = [0, 0, 0];
  const out: (Paragraph | Table)[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading': {
        counters[b.level - 1]!++;
        for (let l = b.level; l < 3; l++) counters[l] = 0;
        const text = HEADING_NUMBER[b.level](counters[b.level - 1]!) + b.text;
        const font = b.level === 1 ? FONTS.heading1 : b.level === 2 ? FONTS.heading2 : FONTS.body;
        out.push(bodyParagraph([run(text, font, SIZES.body), ...(b.rest ? [run(b.rest, FONTS.body, SIZES.body)] : [])]));
        break;
      }
      case 'paragraph':
        out.push(bodyParagraph([run(b.text, FONTS.body, SIZES.body)]));
        break;
      case 'table':
        out.push(table(b.header, b.rows));
        break;
    }
  }
  return out;
}

/** The document as .docx bytes. */
export async function officialDocx(doc: OfficialDocument): Promise<Buffer> {
  const date = documentDate(doc.date);
  const { issuerRightChars, dateRightChars } = signatureIndents(doc.issuer, date);
  const recipient = doc.mainRecipient ? (/[：:]$/u.test(doc.mainRecipient) ? doc.mainRecipient : `${doc.mainRecipient}：`) : undefined;
  const titleLines = doc.title.split('\n');
  const children: (Paragraph | Table)[] = [
    ...titleLines.map(
      (line) =>
        new Paragraph({
          alignment: AlignmentType.CENTER,
          // 二号 needs more than the body's pitch; two lines of the title still keep the grid.
          spacing: { line: 700, lineRule: LineRuleType.EXACT, before: 0, after: 0 },
          children: [new TextRun({ text: docText(line), font: { ascii: FONTS.title, hAnsi: FONTS.title, eastAsia: FONTS.title }, size: halfPoints(SIZES.title) })],
        }),
    ),
    blank(),
    ...(recipient ? [bodyParagraph([run(recipient, FONTS.body, SIZES.body)], 0)] : []),
    ...bodyBlocks(doc.body),
    blank(),
    new Paragraph({ alignment: AlignmentType.RIGHT, spacing: BODY_SPACING, indent: { right: issuerRightChars * CHAR_TWIPS }, children: [run(doc.issuer, FONTS.body, SIZES.body)] }),
    new Paragraph({ alignment: AlignmentType.RIGHT, spacing: BODY_SPACING, indent: { right: dateRightChars * CHAR_TWIPS }, children: [run(date, FONTS.body, SIZES.body)] }),
  ];
  const document = new Document({
    creator: doc.creator ?? doc.issuer,
    title: titleLines.join(''),
    evenAndOddHeaderAndFooters: true,
    styles: {
      default: {
        document: {
          run: { font: { ascii: FONTS.latin, hAnsi: FONTS.latin, eastAsia: FONTS.body }, size: halfPoints(SIZES.body), language: { value: 'zh-CN', eastAsia: 'zh-CN' } },
          paragraph: { spacing: BODY_SPACING },
        },
      },
    },
    sections: [
      {
        properties: {
          page: {
            size: { width: mm(PAGE.widthMm), height: mm(PAGE.heightMm) },
            margin: {
              top: mm(PAGE.marginMm.top),
              bottom: mm(PAGE.marginMm.bottom),
              left: mm(PAGE.marginMm.left),
              right: mm(PAGE.marginMm.right),
              header: mm(15),
              footer: mm(PAGE.footerMm),
            },
          },
          grid: { type: 'lines', linePitch: PAGE.linePitchTwips },
        },
        footers: { default: pageNumberFooter('odd'), even: pageNumberFooter('even') },
        children,
      },
    ],
  });
  return withFontTable(await Packer.toBuffer(document));
}

/** docx writes an empty font table unless it embeds fonts; ours names each font's substitutes. */
async function withFontTable(docx: Buffer): Promise<Buffer> {
  const zip = await JSZip.loadAsync(docx);
  const fonts = FONT_TABLE.map(
    (f) =>
      `<w:font w:name="${f.name}">${f.altName ? `<w:altName w:val="${f.altName}"/>` : ''}${f.panose ? `<w:panose1 w:val="${f.panose}"/>` : ''}<w:charset w:val="86"/><w:family w:val="${f.family}"/><w:pitch w:val="${f.pitch}"/></w:font>`,
  ).join('');
  const latin = `<w:font w:name="${FONTS.latin}"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>`;
  zip.file(
    'word/fontTable.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">${fonts}${latin}</w:fonts>`,
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
