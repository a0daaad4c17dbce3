import { ledgerFileName } from '../../jobs/files/ledger-maker';
import { cellText, columnLetter, displayWidth, excelDate, fitWidth, sheetName } from '../../src/rendering/xlsx/sheet-layout';
import { RowWriter } from '../../src/rendering/xlsx/sheet-stream';
import { demoOrg } from '../support/app';

/** The pieces of the workbook layout that need no file: text, widths, dates, names. */
describe('cellText', () => {
  it('keeps text that starts like a formula as text (OWASP CSV injection list)', () => {
    for (const lead of ['=', '+', '-', '@', '\t']) expect(cellText(`${lead}SUM(A1)`)).toBe(`'${lead}SUM(A1)`);
    expect(cellText('村务公开=及时')).toBe('村务公开=及时');
    expect(cellText('#12 已整改')).toBe('#12 已整改');
  });

  it('drops what XML cannot carry and what hides text, unifies line breaks', () => {
    expect(cellText('a\u0000b\u0007c\u001bd\u007f\u0085e\ufffff')).toBe('abcd\nef');
    expect(cellText('左\u202e右\u200b中\ufeff')).toBe('左右中');
    expect(cellText('一\r\n二\r三\u2028四')).toBe('一\n二\n三\n四');
    expect(cellText('孤\ud800立')).toBe('孤立');
    expect(cellText('👨‍👩‍👧 全家')).toBe('👨‍👩‍👧 全家');
    expect(cellText(undefined)).toBe('');
  });

  it('stays within Excel’s cell limit', () => {
    expect(cellText('长'.repeat(40_000)).length).toBe(32_001);
  });
});

it('gives Excel the Shanghai wall-clock time in the UTC fields, whatever TZ says', () => {
  expect(excelDate(Date.parse('2026-06-15T15:00:00+08:00')).toISOString()).toBe('2026-06-15T15:00:00.000Z');
  expect(excelDate(Date.parse('2026-12-31T23:30:00+08:00')).toISOString()).toBe('2026-12-31T23:30:00.000Z');
  // A deadline at the end of a day stays on that day: minutes are shown, and Excel would round up.
  expect(excelDate(Date.parse('2026-12-09T23:59:59.999+08:00')).toISOString()).toBe('2026-12-09T23:59:00.000Z');
});

it('counts CJK characters and emoji as two columns', () => {
  expect(displayWidth('abc')).toBe(3);
  expect(displayWidth('福禄镇中心小学')).toBe(14);
  expect(displayWidth('（全角）')).toBe(8);
  expect(displayWidth('🔴 逾期')).toBe(7);
  expect(fitWidth(['斑竹村', '区城投集团'], 6, 40)).toBe(12);
  expect(fitWidth(['短', '很长的一行\n短'], 6, 40)).toBe(12);
  expect(fitWidth(['长'.repeat(50)], 6, 40)).toBe(40);
});

it('names columns and sheets as Excel allows', () => {
  expect([1, 22, 26, 27, 52, 703].map(columnLetter)).toEqual(['A', 'V', 'Z', 'AA', 'AZ', 'AAA']);
  expect(sheetName('考核/评分[2026]?', new Set())).toBe('考核 评分 2026');
  expect(sheetName('台账', new Set(['台账']))).toBe('台账-2');
  expect(sheetName('x'.repeat(40), new Set()).length).toBe(31);
  expect(sheetName('=1+1', new Set())).toBe('=1+1');
});

it('makes file names Windows accepts', () => {
  const org = demoOrg();
  const at = Date.parse('2026-12-01T09:30:00+08:00');
  expect(ledgerFileName(org, '福禄镇', '2026年第4季度', at)).toBe('示例区福禄镇台账_2026年第4季度_20261201.xlsx');
  expect(ledgerFileName(org, '全区（示例区）', '累计', at)).toBe('示例区全区台账_累计_20261201.xlsx');
  expect(ledgerFileName(org, '福禄镇斑竹村 <a>:"/\\|?*\u0001', '2026年', at)).toBe('示例区福禄镇斑竹村a台账_2026年_20261201.xlsx');
});

describe('RowWriter', () => {
  const written = (write: (w: RowWriter) => void) => {
    const chunks: Buffer[] = [];
    const w = new RowWriter((c) => chunks.push(Buffer.from(c)));
    write(w);
    w.flush();
    return { xml: Buffer.concat(chunks).toString('utf8'), chunks: chunks.length };
  };

  it('writes the markup exceljs writes: numbers and dates as values, text as str, escaped', () => {
    const { xml } = written((w) => {
      w.openRow(3, 0);
      w.cell('A', 1, 12);
      w.cell('C', 2, new Date(Date.UTC(2026, 5, 15, 15, 0)));
      w.cell('F', 3, `'=A1 <b> & 福禄镇 👨‍👩‍👧`);
      w.cell('R', 0, Number.NaN);
      w.closeRow();
      w.openRow(4, 9);
      w.cell('AB', 0, '#4');
      w.closeRow();
    });
    expect(xml).toBe(
      '<row r="3"><c r="A3" s="1"><v>12</v></c><c r="C3" s="2"><v>46188.625</v></c>' +
        `<c r="F3" s="3" t="str"><v>'=A1 &lt;b&gt; &amp; 福禄镇 👨‍👩‍👧</v></c></row>` +
        '<row r="4" s="9" customFormat="1"><c r="AB4" t="str"><v>#4</v></c></row>',
    );
  });

  it('keeps text whole across its 64 KB buffers, and text longer than one', () => {
    const long = '长'.repeat(32_000);
    const { xml, chunks } = written((w) => {
      for (let r = 1; r <= 400; r++) {
        w.openRow(r, 0);
        w.cell('A', 0, `第${r}行：${'村务公开'.repeat(40)}`);
        w.closeRow();
      }
      w.openRow(401, 0);
      w.cell('A', 0, long);
      w.closeRow();
    });
    expect(chunks).toBeGreaterThan(3);
    expect(xml.match(/<row /gu)).toHaveLength(401);
    expect(xml).toContain(`<c r="A200" t="str"><v>第200行：${'村务公开'.repeat(40)}</v></c>`);
    expect(xml.endsWith(`<row r="401"><c r="A401" t="str"><v>${long}</v></c></row>`)).toBe(true);
  });
});
