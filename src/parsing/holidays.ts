import calendarData from 'chinese-days/dist/chinese-days.json';
import { getSolarDateFromLunar, getSolarTermsInRange } from 'chinese-days';

/**
 * Deadlines named after a holiday, as people set them: `国庆后`, `国庆节后`, `春节前`, `元旦前`,
 * `五一后`, `中秋前`. "X前" is the last working day before the holiday's days off begin; "X后" the
 * first working day after they end. The days off come from chinese-days' official data (the
 * same data the working-day count uses); for a year it does not cover yet, from the holiday's
 * own date (lunar dates and 清明 through chinese-days' calendar functions) and the usual length
 * of its break, with a note saying it is an estimate.
 */

type Holiday = '元旦' | '春节' | '清明' | '劳动节' | '端午' | '中秋' | '国庆节';

const NAMES: Record<string, Holiday> = {
  元旦: '元旦',
  春节: '春节',
  过年: '春节',
  年: '春节',
  清明: '清明',
  五一: '劳动节',
  劳动节: '劳动节',
  端午: '端午',
  中秋: '中秋',
  国庆: '国庆节',
  十一: '国庆节',
};

const PHRASE = /^(元旦|春节|过年|清明|五一|劳动节|端午|中秋|国庆|十一)(?:节|假期|长假|放假|节假期)?(前|之前|以前|后|之后|以后)$/u;
/** 年前 / 年后 mean around the Spring Festival. */
const NEW_YEAR = /^(年)(前|后)$/u;

const data = calendarData as unknown as { holidays: Record<string, string>; workdays: Record<string, string> };

interface Block {
  start: string;
  end: string;
}

const DAY = 86_400_000;
function iso(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}
function ms(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}
function addDays(date: string, n: number): string {
  return iso(ms(date) + n * DAY);
}

/** The official days off of each holiday, as consecutive blocks, from the data. */
const OFFICIAL: ReadonlyMap<Holiday, Block[]> = (() => {
  const byName = new Map<Holiday, Block[]>();
  for (const date of Object.keys(data.holidays).sort()) {
    const name = data.holidays[date]!.split(',')[1] as Holiday;
    const blocks = byName.get(name) ?? [];
    const last = blocks[blocks.length - 1];
    if (last && addDays(last.end, 1) === date) last.end = date;
    else blocks.push({ start: date, end: date });
    byName.set(name, blocks);
  }
  return byName;
})();
const coveredYears = new Set(Object.keys(data.holidays).map((k) => Number(k.slice(0, 4))));

/** The usual break of a holiday in a year the data does not cover yet. */
function estimated(h: Holiday, year: number): Block | undefined {
  const lunar = (md: string): string | undefined => getSolarDateFromLunar(`${year}-${md}`)?.date;
  switch (h) {
    case '元旦':
      return { start: `${year}-01-01`, end: `${year}-01-01` };
    case '春节': {
      const day = lunar('01-01');
      // 除夕 to 初七.
      return day ? { start: addDays(day, -1), end: addDays(day, 6) } : undefined;
    }
    case '清明': {
      const term = getSolarTermsInRange(`${year}-04-01`, `${year}-04-10`).find((t) => t.name === '清明' && t.index === 1);
      return term ? { start: term.date, end: term.date } : undefined;
    }
    case '劳动节':
      return { start: `${year}-05-01`, end: `${year}-05-05` };
    case '端午': {
      const day = lunar('05-05');
      return day ? { start: day, end: day } : undefined;
    }
    case '中秋': {
      const day = lunar('08-15');
      return day ? { start: day, end: day } : undefined;
    }
    case '国庆节':
      return { start: `${year}-10-01`, end: `${year}-10-07` };
  }
}

export interface HolidayDeadline {
  /** The day, 'YYYY-MM-DD' on the Shanghai calendar. */
  date: string;
  note: string;
}

/** Working days: the official data where it covers the year, else Monday to Friday. */
function isWorkday(date: string): boolean {
  if (Object.hasOwn(data.workdays, date)) return true;
  if (Object.hasOwn(data.holidays, date)) return false;
  const dow = new Date(ms(date)).getUTCDay();
  return dow >= 1 && dow <= 5;
}

/**
 * Reads "国庆后"-style phrases (already normalised: Simplified, half-width). `today` is
 * 'YYYY-MM-DD'. Undefined when the text is not a holiday phrase.
 */
export function holidayDeadline(text: string, today: string): HolidayDeadline | undefined {
  const m = PHRASE.exec(text) ?? NEW_YEAR.exec(text);
  if (!m) return undefined;
  const holiday = NAMES[m[1]!]!;
  const after = m[2]!.endsWith('后');
  const thisYear = Number(today.slice(0, 4));
  let block: Block | undefined;
  let guessed = false;
  for (let y = thisYear; y <= thisYear + 2 && !block; y++) {
    const official = coveredYears.has(y) ? OFFICIAL.get(holiday)?.filter((b) => b.start.startsWith(String(y))) : undefined;
    const candidates = official?.length ? official : [estimated(holiday, y)].filter((b): b is Block => b !== undefined);
    // Before: the break must still be ahead; after: it may be under way.
    block = candidates.find((b) => (after ? b.end >= today : b.start > today));
    if (block && !official?.length) guessed = true;
  }
  if (!block) return undefined;
  let date = after ? addDays(block.end, 1) : addDays(block.start, -1);
  const step = after ? 1 : -1;
  for (let i = 0; i < 30 && !isWorkday(date); i++) date = addDays(date, step);
  const label = holiday === '国庆节' ? '国庆' : holiday;
  const which = after ? `${label}后第一个工作日` : `${label}前最后一个工作日`;
  const note = guessed ? `${which}，${block.start.slice(0, 4)}年放假安排未公布，按惯例估算` : which;
  return { date, note };
}
