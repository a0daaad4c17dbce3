/** Dates as the chat writes them, always in Asia/Shanghai whatever the browser's zone. */
const date = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
const dateTime = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });

const parts = (f: Intl.DateTimeFormat, ms: number) => Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));

export function day(ms: number | undefined): string {
  if (ms === undefined) return '—';
  const p = parts(date, ms);
  return `${p.year}-${p.month}-${p.day}`;
}

export function minute(ms: number): string {
  const p = parts(dateTime, ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** An issue's deadline as the chat writes it: the date, and its time unless it is the end of the day. */
export function deadline(r: { deadline?: number; deadlineHasTime?: boolean }): string {
  if (r.deadline === undefined) return '—';
  return r.deadlineHasTime ? minute(r.deadline) : day(r.deadline);
}

/** A row's 逾期 cell: calendar days past the deadline, "今天逾期" when it passed earlier today. */
export function overdueText(days: number): string {
  return days > 0 ? `${days} 天` : '今天逾期';
}

/** A rate as /status writes it: one decimal and %, or — when there is nothing to divide. */
export function pct(v: number | undefined): string {
  return v === undefined ? '—' : `${v.toFixed(1)}%`;
}

/** "2026-05" → "2026年5月" */
export function monthLabel(m: string): string {
  const [y, mm] = m.split('-');
  return `${y}年${Number(mm)}月`;
}

/** The current month in Shanghai ("2026-06"), for the custom range's defaults. */
export function thisMonth(now = Date.now()): string {
  const p = parts(date, now);
  return `${p.year}-${p.month}`;
}
