import { formatPoints, ranks, type ScoreBoard, type ScoreRow } from '../../domain/scoring';
import { formatStamp } from '../dates';
import { issueRefs } from '../scores';
import type { SheetRow, TableSheet } from './table-sheet';

/**
 * The export's 考核 sheet: one row per team, member and unit of the board, ranked within each
 * kind — the score, the points each deduction took, the manual entries, and in words where the
 * points went (with the issue numbers when the board was computed with details).
 */
const KIND_WORDS: Record<ScoreRow['kind'], string> = { team: '工作队', member: '队员', unit: '责任单位' };

export function scoreSheet(board: ScoreBoard, opts: { now?: number; maxIds?: number } = {}): TableSheet {
  const now = opts.now ?? board.asOf;
  const maxIds = opts.maxIds ?? 50;
  const rows: SheetRow[] = [];
  for (const part of [board.teams, board.members, board.units]) {
    const r = ranks(part);
    part.forEach((row, i) => {
      const deducted = row.deductions.reduce((n, d) => n + Math.round(d.points * 100), 0) / 100;
      const manual = row.entries.filter((e) => !e.withdrawn).reduce((n, e) => n + Math.round(e.points * 100), 0) / 100;
      rows.push({
        kind: KIND_WORDS[row.kind],
        rank: r[i],
        name: row.label,
        teams: row.teams?.join('、') ?? '',
        score: row.score,
        deducted,
        manual,
        deductions: row.deductions.map((d) => `${d.label} ${d.count}${d.per} −${formatPoints(d.points)}${d.issueIds?.length ? `（${issueRefs(d.issueIds, maxIds)}）` : ''}`).join('；'),
        entries: row.entries
          .map((e) => `编号${e.id} ${e.points >= 0 ? '+' : '−'}${formatPoints(Math.abs(e.points))} ${e.reason}（${formatStamp(e.at, now)}${e.withdrawn ? '，已撤回' : ''}）`)
          .join('；'),
      });
    });
  }
  return {
    name: '考核',
    title: `${board.district}百分量化考核 · ${board.scopeLabel} · ${board.periodLabel}（计分截至 ${formatStamp(board.asOf, now)}）`,
    columns: [
      { header: '类别', key: 'kind', width: 10 },
      { header: '名次', key: 'rank', kind: 'number', width: 6 },
      { header: '名称', key: 'name', width: 20 },
      { header: '所属工作队', key: 'teams', width: 16 },
      { header: '得分', key: 'score', kind: 'number', width: 8 },
      { header: '扣分', key: 'deducted', kind: 'number', width: 8 },
      { header: '加减分', key: 'manual', kind: 'number', width: 8 },
      { header: '扣分明细', key: 'deductions', width: 60 },
      { header: '加减分明细', key: 'entries', width: 40 },
    ],
    rows,
  };
}
