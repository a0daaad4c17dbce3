import { formatPoints, ranks, type ScoreBoard, type ScoreRow } from '../domain/scoring';
import { formatDay, formatStamp } from './dates';
import { userText } from './safe-text';

/**
 * 百分量化考核 in words: the rankings (`1. 第一工作队 96.5 分`), one row's breakdown (each
 * deduction with its count and issues, each manual entry with its number and reason), and the
 * short lines the weekly 通报 and the summaries include.
 */
export type BoardPart = 'teams' | 'members' | 'units';

export const PART_WORDS: Record<BoardPart, string> = { teams: '工作队', members: '队员', units: '责任单位' };

/** How many issue numbers a breakdown line shows before "等 N 件". */
const MAX_IDS = 8;

/** "96.5 分". */
export const scoreText = (score: number) => `${formatPoints(score)} 分`;

function rowName(row: ScoreRow): string {
  return row.kind === 'member' && row.teams?.length ? `${userText(row.label)}（${row.teams.map(userText).join('、')}）` : userText(row.label);
}

/** Ranked lines, ties sharing a rank: "1. 第一工作队 96.5 分". */
export function rankingLines(rows: readonly ScoreRow[], limit = rows.length): string[] {
  const r = ranks(rows);
  return rows.slice(0, limit).map((row, i) => `${r[i]}. ${rowName(row)} ${scoreText(row.score)}`);
}

/** "#12 #15 #31 等 40 件" */
export function issueRefs(ids: readonly number[], max = MAX_IDS): string {
  const shown = ids.slice(0, max).map((id) => `#${id}`).join(' ');
  return ids.length > max ? `${shown} 等 ${ids.length} 件` : shown;
}

function title(board: ScoreBoard, what: string): string {
  return `**百分量化考核 · ${userText(what)} · ${userText(board.scopeLabel)} · ${userText(board.periodLabel)}**`;
}

/** "计分截至 12月2日（周三）；满分 100，…": the line under every /考核 title (the dashboard shows it too). */
export function asOfLine(board: ScoreBoard, now: number): string {
  return `计分截至 ${formatDay(board.asOf, now)}；满分 100，按台账结果扣分，含组织部加减分。`;
}

/** Rankings longer than this show every row that is not at 100 and name the rest in one line. */
const FULL_RANKING = 15;
const MAX_LINES = 30;

/** /考核, /考核 队员, /考核 单位: one ranking of the board. */
export function renderRanking(board: ScoreBoard, part: BoardPart, now: number): string {
  const rows = board[part];
  const lines = [title(board, `${PART_WORDS[part]}排名`), asOfLine(board, now)];
  if (!rows.length) {
    lines.push('', part === 'teams' ? '这个范围里没有整片区都在其中的工作队；可以发送 /考核 单位 查看单位排名。' : '这个范围里没有可排名的对象。');
    return lines.join('\n');
  }
  lines.push('');
  if (rows.length <= FULL_RANKING) lines.push(...rankingLines(rows));
  else {
    // A phone screen: what moved is listed in rank order, the many still at 100 share one line
    // in their place (above them those a bonus lifted, below those that lost points).
    const all = rankingLines(rows);
    const above = rows.flatMap((r, i) => (r.score > 100 ? [all[i]!] : []));
    const below = rows.flatMap((r, i) => (r.score < 100 ? [all[i]!] : []));
    const full = rows.filter((r) => r.score === 100);
    const moved = above.length + below.length;
    const shown = [...above, ...below].slice(0, MAX_LINES);
    lines.push(...shown.slice(0, Math.min(above.length, MAX_LINES)));
    if (full.length) {
      const names = full.slice(0, 10).map((r) => userText(r.label)).join('、');
      lines.push(`${moved ? '' : '全部 '}${full.length} 个 100 分（并列第 ${above.length + 1}）：${names}${full.length > 10 ? ' 等' : ''}`);
    }
    lines.push(...shown.slice(above.length));
    if (moved > MAX_LINES) lines.push(`……另有 ${moved - MAX_LINES} 个，完整名单请 /导出。`);
  }
  // The one that lost most is the one worth a look; when none lost any, the first.
  const lowest = rows[rows.length - 1]!;
  lines.push('', `查看扣分明细：/考核 ${userText((lowest.score < 100 ? lowest : rows[0]!).label)}`);
  return lines.join('\n');
}

const KIND_WORDS: Record<ScoreRow['kind'], string> = { team: '工作队', member: '队员', unit: '责任单位' };

/** /考核 <name>: one row's score and where every point went. */
export function renderBreakdown(board: ScoreBoard, row: ScoreRow, now: number): string {
  const lines = [
    `**百分量化考核 · ${userText(row.label)}（${KIND_WORDS[row.kind]}） · ${userText(board.periodLabel)}**`,
    asOfLine(board, now),
    '',
    `**${rowName(row)} ${scoreText(row.score)}**`,
  ];
  if (!row.deductions.length) lines.push('扣分：无');
  else {
    lines.push('扣分：');
    for (const d of row.deductions) {
      const refs = d.issueIds?.length ? `：${issueRefs(d.issueIds)}` : '';
      lines.push(`- ${userText(d.label)} ${d.count} ${d.per} −${formatPoints(d.points)}${refs}`);
    }
  }
  if (row.entries.length) {
    lines.push('加减分：');
    for (const e of row.entries) {
      const sign = e.points >= 0 ? '+' : '−';
      const when = formatStamp(e.at, now);
      const state = e.withdrawn ? '（已撤回，不计分）' : '';
      lines.push(`- 编号 ${e.id} ${sign}${formatPoints(Math.abs(e.points))} ${userText(e.reason)}（${when}）${state}`);
    }
  }
  return lines.join('\n');
}

/**
 * The scores in short, for the weekly 通报, the summaries and the .docx: the top `n` teams (ties
 * share a rank) and the lowest `n` units when any lost points. Plain text, no issue numbers (the
 * chat can ask /考核 for those); undefined when there is nothing to say.
 */
export function scoreSummary(board: ScoreBoard, n = 3): { title: string; lines: string[] } | undefined {
  const rank = ranks(board.teams);
  const lines = board.teams.slice(0, n).map((t, i) => `${rank[i]}. ${t.label} ${scoreText(t.score)}`);
  const low = [...board.units].filter((u) => u.score < 100).sort((a, b) => a.score - b.score).slice(0, n);
  if (low.length) lines.push(`得分最低的责任单位：${low.map((u) => `${u.label} ${scoreText(u.score)}`).join('、')}`);
  return lines.length ? { title: `百分量化考核（${board.periodLabel}）`, lines } : undefined;
}

/** The same as markdown lines for a push, user text escaped. */
export function scoreLines(board: ScoreBoard, n = 3): string[] {
  const s = scoreSummary(board, n);
  return s ? [`**${userText(s.title)}**`, ...s.lines.map(userText)] : [];
}
