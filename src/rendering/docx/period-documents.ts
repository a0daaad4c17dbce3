import type { Issue } from '../../domain/issue';
import type { Org } from '../../domain/org';
import type { Figures } from '../../domain/stats';
import type { PeriodSummary } from '../../domain/summary';
import { calendarDaysBetween, wallTime } from '../../domain/time';
import { delta, periodDays, type ExtraSection } from '../summary';
import type { Block, OfficialDocument } from './official-document';

/**
 * The department's two documents of a period, as 公文 content (official-document.ts lays them
 * out): the 通报 (figures per team, the units and issues most overdue, what to do next) and the
 * 季度小结 / 年度汇总 (the same with the change against the previous period). Plain words, ready
 * for the office to edit; the figures are the read model's.
 */

const pct = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(1)}%`);
/** In running text no rate reads 无: a dash after 整改率 prints like the character 一. */
const pctWords = (v: number | undefined) => (v === undefined ? '无' : `${v.toFixed(1)}%`);

function dayText(ms: number): string {
  const w = wallTime(ms);
  return `${w.year}年${w.month}月${w.day}日`;
}

/** 中共示例区委组织部: the organisation department of the district's party committee. */
export function issuerOf(org: Org): string {
  return `中共${org.district}委组织部`;
}

/** 主送: every town and team for a district-wide document, else those concerned. */
export function mainRecipientOf(org: Org, unitIds: readonly string[]): string {
  const all = org.units.length > 0 && org.units.every((u) => unitIds.includes(u.id));
  return all ? '各镇（街道）党（工）委，各工作队' : '有关镇（街道）党（工）委，有关工作队';
}

/** "2026年第3季度（7月1日至9月30日）", or "截至12月1日" for all time. */
function periodPhrase(s: PeriodSummary): string {
  const days = periodDays(s);
  return days ? `${s.period.label}（${days}）` : `截至${dayText(s.at)}`;
}

function overallParagraph(s: PeriodSummary): string {
  const f = s.figures;
  const parts = [`${periodPhrase(s)}，${s.scope.label}共发现问题${f.found}个，已整改销号${f.rectified}个，整改率${pctWords(f.rate)}，按期整改率${pctWords(f.onTimeRate)}`];
  if (f.avgDaysToClose !== undefined) parts.push(f.avgDaysToClose < 1 ? '平均不到1天整改销号' : `平均${f.avgDaysToClose.toFixed(1)}天整改销号`);
  return `${parts.join('，')}。截至${dayText(s.at)}，整改中${f.assigned}个、待核验${f.submitted}个、待交办${f.reported}个，逾期未整改${f.overdue}个。`;
}

/** The department's tasks (/布置) of the period, apart from the problems (docs/design.md §4.10); none: no paragraph. */
function taskParagraph(s: PeriodSummary): { kind: 'paragraph'; text: string }[] {
  const t = s.tasks;
  if (!t?.found) return [];
  return [{ kind: 'paragraph', text: `另有布置任务${t.found}项（不计入上述问题），已完成${t.rectified}项、待核验${t.submitted}项，逾期未完成${t.overdue}项。` }];
}

/** "增加3个" / "减少2个" / "持平"; rates "上升2.1个百分点". */
function change(now: number | undefined, before: number | undefined, rate = false): string {
  if (now === undefined || before === undefined) return '无可比数据';
  const d = Math.round((now - before) * 10) / 10;
  if (d === 0) return '持平';
  return rate ? `${d > 0 ? '上升' : '下降'}${Math.abs(d).toFixed(1)}个百分点` : `${d > 0 ? '增加' : '减少'}${Math.abs(d)}个`;
}

function comparisonParagraph(s: PeriodSummary): string | undefined {
  if (!s.previous || !s.previousFigures) return undefined;
  const f = s.figures;
  const p = s.previousFigures;
  return `与${s.previous.label}相比，发现问题${change(f.found, p.found)}，整改销号${change(f.rectified, p.rectified)}，整改率${change(f.rate, p.rate, true)}，逾期未整改问题${change(f.overdue, p.overdue)}。`;
}

function teamRow(label: string, f: Figures): string[] {
  return [label, String(f.found), String(f.rectified), String(f.assigned), String(f.submitted), String(f.overdue), pct(f.rate), pct(f.onTimeRate)];
}

function unitName(org: Org, id: string): string {
  const u = org.unit(id);
  return u ? `${u.town}${u.name}` : id;
}

function overdueBlocks(org: Org, s: PeriodSummary, issues: readonly Issue[]): Block[] {
  if (!s.mostOverdue.length) return [{ kind: 'paragraph', text: `截至${dayText(s.at)}，${s.scope.label}没有逾期未整改问题。` }];
  const blocks: Block[] = [
    { kind: 'paragraph', text: `截至${dayText(s.at)}，逾期未整改问题较多的单位是：${s.mostOverdue.map((u) => `${unitName(org, u.unitId)}（${u.overdue}个）`).join('、')}。` },
  ];
  const overdue = issues.filter((i) => i.deadline !== undefined);
  if (overdue.length) {
    blocks.push({ kind: 'paragraph', text: '逾期时间较长的问题：' });
    overdue.forEach((i, n) => {
      const who = i.assignee ? `，责任人${org.person(i.assignee)?.name ?? i.assignee}` : '';
      const days = Math.max(0, calendarDaysBetween(i.deadline!, s.at));
      blocks.push({ kind: 'paragraph', text: `${n + 1}. #${i.id} ${unitName(org, i.unitId)}：${i.description}（整改期限${dayText(i.deadline!)}，${days > 0 ? `已逾期${days}天` : '今天逾期'}${who}）。` });
    });
  }
  return blocks;
}

function relapseBlocks(org: Org, s: PeriodSummary): Block[] {
  const r = s.relapses;
  if (!r.total) return [{ kind: 'paragraph', text: '回头看中未发现整改后反弹的问题。' }];
  const teams = r.byTeam.length ? `，其中${r.byTeam.map((t) => `${t.label}${t.count}个次`).join('、')}` : '';
  const units = r.byUnit.length ? `反弹较多的单位是：${r.byUnit.map((u) => `${unitName(org, u.unitId)}（${u.count}个次）`).join('、')}。` : '';
  return [{ kind: 'paragraph', text: `回头看中发现整改后反弹的问题${r.total}个次${teams}，已重新交办整改。${units}` }];
}

function extraBlocks(sections: readonly ExtraSection[]): Block[] {
  return sections.filter((x) => x.lines.length).flatMap((x): Block[] => [{ kind: 'heading', level: 1, text: x.title }, ...x.lines.map((text): Block => ({ kind: 'paragraph', text }))]);
}

const NEXT_STEPS: Block[] = [
  { kind: 'heading', level: 2, text: '压实整改责任。', rest: '各工作队要对逾期未整改问题逐一督促，责任单位要明确整改时限和责任人，确保按期整改销号。' },
  { kind: 'heading', level: 2, text: '严格核验销号。', rest: '对整改不到位、群众不满意的问题一律驳回重新整改，坚决防止虚假整改、敷衍整改。' },
  { kind: 'heading', level: 2, text: '抓好回头看。', rest: '对已销号问题按期开展回头看，发现反弹的及时重新交办，巩固整改成效。' },
];

const TEAM_HEADER = ['工作队', '发现', '已销号', '整改中', '待核验', '逾期', '整改率', '按期整改率'];

/** Two title lines when one would not fit the 版心 (about 20 characters of 二号). */
function title(first: string, second: string): string {
  return [...first, ...second].length <= 20 ? first + second : `${first}\n${second}`;
}

/** The 通报 of a period and scope. `issues` are the most overdue (PeriodSummary.oldest, read). */
export function bulletinDocument(org: Org, s: PeriodSummary, issues: readonly Issue[], extra: readonly ExtraSection[] = []): OfficialDocument {
  const periodWord = s.previous ? s.period.label : '';
  return {
    title: title(`关于${periodWord}${s.scope.label}`, '问题整改情况的通报'),
    mainRecipient: mainRecipientOf(org, s.scope.unitIds),
    issuer: issuerOf(org),
    date: s.at,
    body: [
      { kind: 'paragraph', text: `为推动巡回指导发现问题整改落实到位，现将${periodPhrase(s)}${s.scope.label}问题整改情况通报如下。` },
      { kind: 'heading', level: 1, text: '总体情况' },
      { kind: 'paragraph', text: overallParagraph(s) },
      ...taskParagraph(s),
      ...(s.teams.length ? [{ kind: 'heading', level: 1, text: '各工作队整改情况' } as const, { kind: 'table', header: TEAM_HEADER, rows: s.teams.map((t) => teamRow(t.label, t.now.figures)) } as const] : []),
      { kind: 'heading', level: 1, text: '逾期未整改问题' },
      ...overdueBlocks(org, s, issues),
      { kind: 'heading', level: 1, text: '回头看情况' },
      ...relapseBlocks(org, s),
      ...extraBlocks(extra),
      { kind: 'heading', level: 1, text: '下一步工作要求' },
      ...NEXT_STEPS,
    ],
  };
}

/** What the period is called in a summary's title: 季度小结, 年度汇总, or 工作小结. */
export function summaryKind(s: Pick<PeriodSummary, 'period'>): '季度小结' | '年度汇总' | '工作小结' {
  const n = s.period.months?.length;
  return n === 12 ? '年度汇总' : n === 3 ? '季度小结' : '工作小结';
}

/** The 季度小结 / 年度汇总: the 通报's content with the ▲/▼ table against the previous period. */
export function summaryDocument(org: Org, s: PeriodSummary, issues: readonly Issue[], extra: readonly ExtraSection[] = []): OfficialDocument {
  const kind = summaryKind(s);
  const compare = comparisonParagraph(s);
  const header = ['工作队', '发现', '较上期', '已销号', '较上期', '逾期', '较上期', '整改率', '较上期'];
  const rows = s.teams.map((t) => {
    const n = t.now.figures;
    const b = t.before?.figures;
    return [t.label, String(n.found), delta(n.found, b?.found), String(n.rectified), delta(n.rectified, b?.rectified), String(n.overdue), delta(n.overdue, b?.overdue), pct(n.rate), delta(n.rate, b?.rate, 1)];
  });
  const what = kind === '年度汇总' ? '汇总' : '小结';
  return {
    title: title(`${org.district}${s.period.label}`, kind === '年度汇总' ? '巡回指导问题整改工作年度汇总' : '巡回指导问题整改工作小结'),
    mainRecipient: mainRecipientOf(org, s.scope.unitIds),
    issuer: issuerOf(org),
    date: s.at,
    body: [
      { kind: 'paragraph', text: `现将${periodPhrase(s)}${s.scope.label}巡回指导发现问题整改工作情况${what}如下。` },
      { kind: 'heading', level: 1, text: '总体情况' },
      { kind: 'paragraph', text: overallParagraph(s) },
      ...taskParagraph(s),
      ...(compare ? [{ kind: 'paragraph', text: compare } as const] : []),
      ...(s.teams.length
        ? [
            { kind: 'heading', level: 1, text: '各工作队情况' } as const,
            ...(s.previous ? [{ kind: 'paragraph', text: `“较上期”为与${s.previous.label}相比，▲为增加，▼为减少，—为持平；整改率的变化以百分点计。` } as const] : []),
            { kind: 'table', header, rows } as const,
          ]
        : []),
      { kind: 'heading', level: 1, text: '逾期未整改问题' },
      ...overdueBlocks(org, s, issues),
      { kind: 'heading', level: 1, text: '回头看情况' },
      ...relapseBlocks(org, s),
      ...extraBlocks(extra),
      { kind: 'heading', level: 1, text: '下一步工作打算' },
      ...NEXT_STEPS,
    ],
  };
}
