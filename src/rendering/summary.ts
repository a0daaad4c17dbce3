import type { Org } from '../domain/org';
import type { Figures } from '../domain/stats';
import type { PeriodSummary } from '../domain/summary';
import { wallTime } from '../domain/time';
import { periodRange } from '../parsing/period';
import { unitLabel } from './issue';
import { userText } from './safe-text';
import { averageClose } from './status';
import { taskLine } from './task-line';

/**
 * The 季度小结 / 年度汇总 (and the short text of a /通报) as group-robot markdown: the period's
 * figures with the change against the previous period, per team, the units with the most
 * overdue issues, the relapses, then the sections other modules add (scores, 典型经验) and the
 * links to the files. Kept under the robot's 4096 bytes by dropping whole lines from the end of
 * the body, never the links.
 */
export interface ExtraSection {
  title: string;
  /** Shown as plain text: each line is escaped like any user text. */
  lines: string[];
}

export interface SummaryTextOptions {
  /** The heading, e.g. "示例区2026年第3季度整改工作小结". */
  title: string;
  extraSections?: readonly ExtraSection[];
  /** Signed links to the period's files, shown last. */
  links?: readonly { label: string; url: string }[];
  /** Under this line, e.g. "文件生成后会发到本群。" */
  footer?: string;
  /** The byte budget (the group robot's markdown allows 4096). */
  maxBytes?: number;
  /** Leave out relapses and extra sections (a /通报 reply, which the .docx details). */
  short?: boolean;
}

export const MARKDOWN_MAX_BYTES = 4096;

/** "▲5", "▼2", "—" (no change, or nothing to compare with); `digits` for rates ("▲2.1"). */
export function delta(now: number | undefined, before: number | undefined, digits = 0): string {
  if (now === undefined || before === undefined) return '—';
  const d = Math.round((now - before) * 10 ** digits) / 10 ** digits;
  if (d === 0) return '—';
  return `${d > 0 ? '▲' : '▼'}${Math.abs(d).toFixed(digits)}`;
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(1)}%`);

/** "7月1日至9月30日" (with the year when the period is not within one year, and "2026年" first). */
export function periodDays(summary: Pick<PeriodSummary, 'period'>): string | undefined {
  const r = periodRange(summary.period);
  if (!r) return undefined;
  const a = wallTime(r.start);
  const b = wallTime(r.end - 1);
  return a.year === b.year ? `${a.year}年${a.month}月${a.day}日至${b.month}月${b.day}日` : `${a.year}年${a.month}月${a.day}日至${b.year}年${b.month}月${b.day}日`;
}

function dateOf(ms: number): string {
  const w = wallTime(ms);
  return `${w.year}年${w.month}月${w.day}日`;
}

/** One figure with its change: "发现 30 ▲5". */
// `compare` false (all time: no period before it): the figure alone, no ▲/▼/— after it.
function withDelta(name: string, now: Figures, before: Figures | undefined, key: 'found' | 'rectified' | 'overdue', compare = true): string {
  return compare ? `${name} ${now[key]} ${delta(now[key], before?.[key])}` : `${name} ${now[key]}`;
}
function rateWithDelta(name: string, now: number | undefined, before: number | undefined, compare = true): string {
  return compare ? `${name} ${pct(now)} ${delta(now, before, 1)}` : `${name} ${pct(now)}`;
}

export function summaryText(org: Org, s: PeriodSummary, opts: SummaryTextOptions): string {
  const f = s.figures;
  const compare = s.previous !== undefined;
  const p = s.previousFigures;
  const days = periodDays(s);
  const body: string[] = [
    `**${userText(opts.title)}**`,
    `${days ? `${days}发现的问题，` : ''}截至${dateOf(s.at)}${s.previous ? `；▲▼为与${s.previous.label}相比` : ''}`,
    `${userText(s.scope.label)}：${withDelta('发现', f, p, 'found', compare)}　${withDelta('已销号', f, p, 'rectified', compare)}　${withDelta('逾期', f, p, 'overdue', compare)}`,
    `${rateWithDelta('整改率', f.rate, p?.rate, compare)}　${rateWithDelta('按期整改率', f.onTimeRate, p?.onTimeRate, compare)}`,
  ];
  if (f.avgDaysToClose !== undefined) body.push(averageClose(f.avgDaysToClose));
  const tasks = taskLine(s.tasks, 'summary');
  if (tasks) body.push(tasks);
  if (s.teams.length) {
    body.push('', '**各工作队**（发现 销号 逾期 整改率，较上期）');
    // Teams with nothing in either period share one line: on a phone eight empty lines bury the rest.
    const empty: string[] = [];
    for (const t of s.teams) {
      const n = t.now.figures;
      const b = t.before?.figures;
      if (!n.found && !n.overdue && !b?.found && !b?.overdue) {
        empty.push(userText(t.label));
        continue;
      }
      body.push(`> ${userText(t.label)}：${withDelta('发现', n, b, 'found', compare)}，${withDelta('销号', n, b, 'rectified', compare)}，${withDelta('逾期', n, b, 'overdue', compare)}，${rateWithDelta('整改率', n.rate, b?.rate, compare)}`);
    }
    if (empty.length) body.push(`> ${empty.join('、')}：${s.previous ? '本期和上期都' : ''}没有登记问题`);
  }
  body.push('', '**逾期最多的单位**');
  if (s.mostOverdue.length) body.push(...s.mostOverdue.map((u) => `🔴 ${unitLabel(org, u.unitId)} 逾期 ${u.overdue} 件`));
  else body.push(f.found ? '🟢 没有逾期问题。' : '这个时段还没有登记问题。');
  if (!opts.short) {
    body.push('', '**回头看反弹**');
    if (s.relapses.total) {
      body.push(`共 ${s.relapses.total} 件次${s.relapses.byTeam.length ? `：${s.relapses.byTeam.map((t) => `${userText(t.label)} ${t.count}`).join('，')}` : ''}`);
      if (s.relapses.byUnit.length) body.push(`反弹较多：${s.relapses.byUnit.map((u) => `${unitLabel(org, u.unitId)} ${u.count}`).join('，')}`);
    } else body.push('没有反弹。');
    for (const section of opts.extraSections ?? []) {
      if (!section.lines.length) continue;
      body.push('', `**${userText(section.title)}**`, ...section.lines.map(userText));
    }
  }
  const tail: string[] = [];
  if (opts.links?.length) tail.push('', ...opts.links.map((l) => `📎 [${userText(l.label)}](${l.url})`));
  if (opts.footer) tail.push(opts.footer);
  return fitLines(body, tail, opts.maxBytes ?? MARKDOWN_MAX_BYTES);
}

const CUT = '…（内容较多，详见附件）';

/** The body's lines that fit with the tail, cut at a whole line and saying so; the tail is always kept. */
function fitLines(body: readonly string[], tail: readonly string[], max: number): string {
  const whole = [...body, ...tail].join('\n');
  if (Buffer.byteLength(whole) <= max) return whole;
  const tailText = tail.join('\n');
  const budget = max - Buffer.byteLength(tailText) - Buffer.byteLength(`\n${CUT}\n`);
  const kept: string[] = [];
  let used = 0;
  for (const line of body) {
    const n = Buffer.byteLength(line) + 1;
    if (used + n > budget) break;
    kept.push(line);
    used += n;
  }
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  return [...kept, CUT, ...tail].join('\n');
}
