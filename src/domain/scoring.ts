import { createHash } from 'node:crypto';
import type { Policy, ScaleWord, ScoringRules } from '../config/org-schema';
import type { Org } from './org';
import { DAILY_KINDS, dayIndex, MARK_KINDS, TEAM_KINDS, UNIT_KINDS, type DeductionKind, type Fact, type MarkKind, type TeamKind, type UnitKind } from './scoring-facts';
import { monthKey, SHANGHAI_OFFSET_MS } from './time';

export { MARK_KINDS, TEAM_KINDS, UNIT_KINDS, type DeductionKind, type MarkKind, type TeamKind, type UnitKind } from './scoring-facts';

/**
 * 百分量化考核 as pure functions: the facts of a unit's issues (src/domain/scoring-facts.ts) folded
 * into a partial result that does not depend on the as-of time, and partials plus the rules plus
 * the manual entries evaluated at one as-of day into a board of teams, members and units, each
 * with its score and breakdown. Start 100, floor 0; every sum in hundredths of a point as
 * integers, so the same ledger, rules and as-of time always give the same score.
 *
 * Why partials of this shape: a unit's partial is cached (src/store/score-cache.ts) and reused
 * for every as-of day until one of its issues changes. A span that waits from day s (grace g)
 * to day e counts max(0, min(t, e) − (s + g)) days at day t — a ramp that starts at s + g and
 * stops at e. A sum of ramps is kept as slope changes by day (+1 at s + g, −1 at e); a sum of
 * cases as a count by day. Both have at most a few hundred entries, however many issues.
 */

/** Pairs flattened: [day, change, day, change, …] — slope changes (per-day kinds) or numbers of cases, by day number. */
export type Hist = number[];
export type Hists<K extends string> = Partial<Record<K, Hist>>;

/** When each issue starts to count (its first counted day) per kind, for the breakdown's #ids. */
export type IdList = [first: number, id: number][];

export interface UnitPartial {
  team: Hists<TeamKind>;
  unit: Hists<UnitKind>;
  /** The team deductions of the issues each person found (reported). */
  finders: Record<string, Hists<TeamKind>>;
  /** 完成效果 and 群众评价: cases by the word given (absent: none). */
  marks?: Partial<Record<MarkKind, Hists<string>>>;
}

export interface UnitPartialIds {
  team: Partial<Record<TeamKind, IdList>>;
  unit: Partial<Record<UnitKind, IdList>>;
  finders: Record<string, Partial<Record<TeamKind, IdList>>>;
  marks?: Partial<Record<MarkKind, Partial<Record<string, IdList>>>>;
}

export interface IssueFacts {
  id: number;
  reporter: string;
  facts: readonly Fact[];
}

/** What a cached partial depends on besides the issues: the graces, the 回头看 date, the fact rules' version. */
export type PartialRules = Pick<Policy, 'revisitAfter' | 'remindAt'> & { scoring: ScoringRules };

/** Bumped whenever issueFacts or partialOf change meaning, so every cached partial is recomputed (2: grades and ratings). */
const FACTS_VERSION = 2;

/** A short stable key of what a partial depends on; the weights are not in it (they apply when evaluating). */
export function partialRulesKey(rules: PartialRules): string {
  const basis = JSON.stringify([FACTS_VERSION, rules.scoring.teams.graceDays, rules.scoring.units.graceDays, rules.revisitAfter.ms, rules.remindAt]);
  return createHash('sha1').update(basis).digest('hex').slice(0, 12);
}

export function emptyPartial(): UnitPartial {
  return { team: {}, unit: {}, finders: {} };
}

export function emptyPartialIds(): UnitPartialIds {
  return { team: {}, unit: {}, finders: {} };
}

type Building<K extends string> = Map<K, Map<number, number>>;

function bump<K extends string>(hists: Building<K>, kind: K, day: number, by: number): void {
  let h = hists.get(kind);
  if (!h) hists.set(kind, (h = new Map()));
  h.set(day, (h.get(day) ?? 0) + by);
}

function flatten<K extends string>(hists: Building<K>): Hists<K> {
  const out: Hists<K> = {};
  for (const [kind, h] of hists) {
    const flat: number[] = [];
    for (const [day, v] of [...h].sort((a, b) => a[0] - b[0])) if (v !== 0) flat.push(day, v);
    if (flat.length) out[kind] = flat;
  }
  return out;
}

function note<K extends string>(lists: Partial<Record<K, IdList>>, kind: K, first: number, id: number): void {
  (lists[kind] ??= []).push([first, id]);
}

/** The partial of some issues (one unit's month) under the graces of `rules`. */
export function partialOf(issues: Iterable<IssueFacts>, rules: PartialRules): { partial: UnitPartial; ids: UnitPartialIds } {
  const team: Building<TeamKind> = new Map();
  const unit: Building<UnitKind> = new Map();
  const finders = new Map<string, Building<TeamKind>>();
  const marks = new Map<MarkKind, Building<string>>();
  const ids = emptyPartialIds();
  for (const issue of issues) {
    for (const f of issue.facts) {
      if ('word' in f) {
        // A case from its day on, per word: the word's deduct applies when evaluating.
        let byWord = marks.get(f.kind);
        if (!byWord) marks.set(f.kind, (byWord = new Map()));
        const day = dayIndex(f.at);
        bump(byWord, f.word, day, 1);
        const lists = ((ids.marks ??= {})[f.kind] ??= {});
        note(lists, f.word, day, issue.id);
        continue;
      }
      const grace = f.side === 'team' ? rules.scoring.teams.graceDays : rules.scoring.units.graceDays;
      let day: number;
      let first: number;
      let end: number | undefined;
      if ('at' in f) {
        day = dayIndex(f.at);
        first = day;
      } else {
        day = dayIndex(f.from) + grace;
        end = f.to === undefined ? undefined : dayIndex(f.to);
        // Ended within its grace: never counts.
        if (end !== undefined && end <= day) continue;
        first = day + 1;
      }
      const record = <K extends string>(hists: Building<K>, lists: Partial<Record<K, IdList>>, kind: K) => {
        bump(hists, kind, day, 1);
        if (end !== undefined) bump(hists, kind, end, -1);
        note(lists, kind, first, issue.id);
      };
      if (f.side === 'unit') record(unit, ids.unit, f.kind);
      else {
        record(team, ids.team, f.kind);
        let mine = finders.get(issue.reporter);
        if (!mine) finders.set(issue.reporter, (mine = new Map()));
        record(mine, (ids.finders[issue.reporter] ??= {}), f.kind);
      }
    }
  }
  const partial: UnitPartial = { team: flatten(team), unit: flatten(unit), finders: {} };
  for (const [who, h] of finders) partial.finders[who] = flatten(h);
  for (const [kind, h] of marks) (partial.marks ??= {})[kind] = flatten(h);
  return { partial, ids };
}

function addHists<K extends string>(into: Hists<K>, from: Hists<K>): void {
  for (const [kind, h] of Object.entries(from) as [K, Hist][]) {
    const target = into[kind];
    if (target) for (const x of h) target.push(x);
    else into[kind] = [...h];
  }
}

function addLists<K extends string>(into: Partial<Record<K, IdList>>, from: Partial<Record<K, IdList>>): void {
  for (const [kind, list] of Object.entries(from) as [K, IdList][]) {
    const target = into[kind];
    if (target) for (const x of list) target.push(x);
    else into[kind] = [...list];
  }
}

/** Partials summed (a unit's months, into the period's): the pairs side by side. Mutates and returns `into`. */
export function mergePartial(into: UnitPartial, from: UnitPartial): UnitPartial {
  addHists(into.team, from.team);
  addHists(into.unit, from.unit);
  for (const [who, h] of Object.entries(from.finders)) addHists((into.finders[who] ??= {}), h);
  for (const [kind, h] of Object.entries(from.marks ?? {}) as [MarkKind, Hists<string>][]) addHists(((into.marks ??= {})[kind] ??= {}), h);
  return into;
}

export function mergePartialIds(into: UnitPartialIds, from: UnitPartialIds): UnitPartialIds {
  addLists(into.team, from.team);
  addLists(into.unit, from.unit);
  for (const [who, l] of Object.entries(from.finders)) addLists((into.finders[who] ??= {}), l);
  for (const [kind, l] of Object.entries(from.marks ?? {}) as [MarkKind, Partial<Record<string, IdList>>][]) addLists(((into.marks ??= {})[kind] ??= {}), l);
  return into;
}

/** Days (per-day kinds) or cases counted at day t. */
export function countAt(kind: DeductionKind | MarkKind, hist: Hist | undefined, t: number): number {
  if (!hist) return 0;
  let n = 0;
  const daily = DAILY_KINDS.has(kind);
  for (let i = 0; i + 1 < hist.length; i += 2) {
    const d = hist[i]!;
    if (d >= t && daily) continue;
    if (d > t) continue;
    n += daily ? hist[i + 1]! * (t - d) : hist[i + 1]!;
  }
  return n;
}

// --- the board -------------------------------------------------------------------------------

export type ScoreTargetKind = 'team' | 'member' | 'unit';

/** A /加分 or /扣分 entry (points negative for a deduction), as the board reads it. */
export interface ManualEntry {
  id: number;
  target: { kind: ScoreTargetKind; id: string };
  points: number;
  reason: string;
  by: string;
  at: number;
  withdrawn?: { by: string; at: number };
}

export interface Deduction {
  kind: DeductionKind | MarkKind;
  /** For a grade or rating: the scale word it counts (完成效果“一般”). */
  word?: string;
  label: string;
  count: number;
  /** What count counts: 天 for the per-day kinds, 件 or 次 for cases. */
  per: string;
  points: number;
  /** The issues behind it, in id order (on boards computed with details). */
  issueIds?: number[];
}

export interface ScoreRow {
  kind: ScoreTargetKind;
  id: string;
  label: string;
  score: number;
  deductions: Deduction[];
  /** The manual entries of the period, withdrawn ones too (they count for nothing). */
  entries: ManualEntry[];
  /** For a member: the teams they are in. */
  teams?: string[];
}

export interface ScoreBoard {
  district: string;
  scopeLabel: string;
  periodLabel: string;
  /** The moment the per-day deductions are counted up to. */
  asOf: number;
  teams: ScoreRow[];
  members: ScoreRow[];
  units: ScoreRow[];
}

export const KIND_LABELS: Record<'team' | 'unit', Partial<Record<DeductionKind, { label: string; per: string }>>> = {
  team: {
    unassigned: { label: '待交办超期', per: '天' },
    unverified: { label: '待核验超期', per: '天' },
    unreminded: { label: '逾期未催办', per: '天' },
    lateRevisit: { label: '回头看超期', per: '次' },
    lateClose: { label: '逾期销号', per: '件' },
  },
  unit: {
    overdue: { label: '整改逾期', per: '天' },
    lateClose: { label: '逾期整改完成', per: '件' },
    rejection: { label: '整改被驳回', per: '次' },
    relapse: { label: '回头看反弹', per: '次' },
  },
};

const WEIGHT_KEYS: { team: Record<TeamKind, keyof ScoringRules['teams']>; unit: Record<UnitKind, keyof ScoringRules['units']> } = {
  team: { unassigned: 'perUnassignedDay', unverified: 'perUnverifiedDay', unreminded: 'perUnremindedDay', lateRevisit: 'perLateRevisit', lateClose: 'perLateClose' },
  unit: { lateClose: 'perLateClose', overdue: 'perOverdueDay', rejection: 'perRejection', relapse: 'perRelapse' },
};

/** Hundredths of a point, exactly. */
const centi = (points: number) => Math.round(points * 100);

/**
 * The as-of moment of a period: its end once it has ended (a closed quarter's score does not
 * change afterwards), else now; all time: now.
 */
export function asOfFor(period: { months?: readonly string[] | undefined }, now: number): number {
  if (!period.months?.length) return now;
  const last = [...period.months].sort().at(-1)!;
  const y = Number(last.slice(0, 4));
  const m = Number(last.slice(4));
  const end = Date.UTC(y, m, 1) - SHANGHAI_OFFSET_MS - 1;
  return Math.min(end, now);
}

/** The teams a board of this scope shows: those whose whole area lies in it (all of them for the district). */
export function teamsInScope(org: Org, unitIds: readonly string[]): Org['teams'][number][] {
  const inScope = new Set(unitIds);
  const allUnits = org.units.length > 0 && org.units.every((u) => inScope.has(u.id));
  return org.teams.filter((team) => (team.coveredUnitIds.length ? team.coveredUnitIds.every((id) => inScope.has(id)) : allUnits));
}

/** Every unit whose partial a board of this scope reads: the scope's, and the areas of its members' teams. */
export function unitsForBoard(org: Org, unitIds: readonly string[]): string[] {
  const out = new Set(unitIds);
  const members = new Set(teamsInScope(org, unitIds).flatMap((t) => t.members));
  for (const t of org.teams) if (t.members.some((m) => members.has(m))) for (const id of t.coveredUnitIds) out.add(id);
  return [...out];
}

export interface BoardInput {
  org: Org;
  rules: ScoringRules;
  /** Each unit's partial over the period's months (and its ids, for a board with details). */
  partials: ReadonlyMap<string, { partial: UnitPartial; ids?: UnitPartialIds }>;
  entries: readonly ManualEntry[];
  scope: { label: string; unitIds: readonly string[] };
  period: { label: string; months?: readonly string[] | undefined };
  asOf: number;
  /** The 完成效果 and 群众评价 scales with their deducts (default: the org's policy). */
  scales?: Pick<Policy, 'grades' | 'ratings'>;
}

/** How a grade or rating deduction is named: 完成效果“一般”, 群众评价“不满意”. */
export const MARK_LABELS: Record<MarkKind, string> = { grade: '完成效果', rating: '群众评价' };

/**
 * The board of a scope: its units; the teams whose whole area lies in it (a team's score is
 * always over its whole area); their members. Ranked by score, then in the file's order.
 */
export function scoreBoard(input: BoardInput): ScoreBoard {
  const { org, rules, asOf } = input;
  const t = dayIndex(asOf);
  const inScope = new Set(input.scope.unitIds);
  const months = input.period.months ? new Set(input.period.months) : undefined;
  const entries = input.entries.filter((e) => e.at <= asOf && (!months || months.has(monthKey(e.at))));

  const row = (kind: ScoreTargetKind, id: string, label: string, deductions: Deduction[], teams?: string[]): ScoreRow => {
    const mine = entries.filter((e) => e.target.kind === kind && e.target.id === id);
    const total = 10_000 - deductions.reduce((n, d) => n + centi(d.points), 0) + mine.filter((e) => !e.withdrawn).reduce((n, e) => n + centi(e.points), 0);
    const r: ScoreRow = { kind, id, label, score: Math.max(0, total) / 100, deductions, entries: mine };
    if (teams) r.teams = teams;
    return r;
  };

  const deductionsOf = <K extends TeamKind | UnitKind>(
    side: 'team' | 'unit',
    kinds: readonly K[],
    sources: { hists: Hists<K>; ids?: Partial<Record<K, IdList>> | undefined }[],
  ): Deduction[] => {
    const out: Deduction[] = [];
    for (const kind of kinds) {
      let count = 0;
      const ids = new Set<number>();
      let withIds = false;
      for (const s of sources) {
        count += countAt(kind, s.hists[kind], t);
        if (s.ids) {
          withIds = true;
          for (const [first, id] of s.ids[kind] ?? []) if (first <= t) ids.add(id);
        }
      }
      if (count <= 0) continue;
      const weight = (side === 'team' ? rules.teams[WEIGHT_KEYS.team[kind as TeamKind]] : rules.units[WEIGHT_KEYS.unit[kind as UnitKind]]) as number;
      const meta = KIND_LABELS[side][kind]!;
      const d: Deduction = { kind, label: meta.label, count, per: meta.per, points: (centi(weight) * count) / 100 };
      if (withIds) d.issueIds = [...ids].sort((a, b) => a - b);
      out.push(d);
    }
    return out;
  };

  const partialOfUnit = (id: string) => input.partials.get(id);

  const scales = input.scales ?? org.policy;
  /**
   * Per word of a scale that costs points, the issues graded so. A word stored under an earlier
   * scale counts as the word that now lists it (as word or alias), and for nothing once none does.
   */
  const markDeductions = (p: { partial: UnitPartial; ids?: UnitPartialIds } | undefined): Deduction[] => {
    const out: Deduction[] = [];
    for (const kind of MARK_KINDS) {
      const hists = p?.partial.marks?.[kind];
      if (!hists) continue;
      const lists = p?.ids ? (p.ids.marks?.[kind] ?? {}) : undefined;
      const scale: readonly ScaleWord[] = kind === 'grade' ? scales.grades : scales.ratings;
      for (const w of scale) {
        if (w.deduct <= 0) continue;
        let count = 0;
        const ids = new Set<number>();
        for (const said of [w.word, ...w.aliases]) {
          // Own keys only: the words come from the org file, the maps from JSON.
          if (Object.hasOwn(hists, said)) count += countAt(kind, hists[said], t);
          if (lists && Object.hasOwn(lists, said)) for (const [first, id] of lists[said]!) if (first <= t) ids.add(id);
        }
        if (count <= 0) continue;
        const d: Deduction = { kind, word: w.word, label: `${MARK_LABELS[kind]}“${w.word}”`, count, per: '件', points: (centi(w.deduct) * count) / 100 };
        if (lists) d.issueIds = [...ids].sort((a, b) => a - b);
        out.push(d);
      }
    }
    return out;
  };

  const units = org.units
    .filter((u) => inScope.has(u.id))
    .map((u) => {
      const p = partialOfUnit(u.id);
      const ruled = deductionsOf('unit', UNIT_KINDS, p ? [{ hists: p.partial.unit, ids: p.ids?.unit }] : []);
      return row('unit', u.id, u.name, [...ruled, ...markDeductions(p)]);
    });

  const included = teamsInScope(org, input.scope.unitIds);
  const teams = included.map((team) => {
    const sources = team.coveredUnitIds.flatMap((id) => {
      const p = partialOfUnit(id);
      return p ? [{ hists: p.partial.team, ids: p.ids?.team }] : [];
    });
    return row('team', team.id, team.name, deductionsOf('team', TEAM_KINDS, sources));
  });

  const seen = new Set<string>();
  const members: ScoreRow[] = [];
  for (const team of included) {
    for (const userid of team.members) {
      if (seen.has(userid)) continue;
      seen.add(userid);
      // The units of every team the person is in: where their finds are theirs to carry.
      const theirs = org.teams.filter((x) => x.members.includes(userid));
      const unitIds = [...new Set(theirs.flatMap((x) => x.coveredUnitIds))];
      const sources = unitIds.flatMap((id) => {
        const p = partialOfUnit(id);
        const hists = p?.partial.finders[userid];
        // The score is the person's whole; the issue numbers behind it only those of the scope
        // asked for (a leader sees their own area's, never another team's).
        const ids = inScope.has(id) ? (p?.ids?.finders[userid] ?? (p?.ids ? {} : undefined)) : p?.ids ? {} : undefined;
        return p && hists ? [{ hists, ids }] : [];
      });
      members.push(row('member', userid, org.person(userid)?.name ?? userid, deductionsOf('team', TEAM_KINDS, sources), theirs.map((x) => x.name)));
    }
  }

  return {
    district: org.district,
    scopeLabel: input.scope.label,
    periodLabel: input.period.label,
    asOf,
    teams: ranked(teams),
    members: ranked(members),
    units: ranked(units),
  };
}

/** Highest first; equal scores keep the organisation file's order (Array.prototype.sort is stable). */
function ranked(rows: ScoreRow[]): ScoreRow[] {
  return [...rows].sort((a, b) => b.score - a.score);
}

/** "96.5", "100", "99.75": at most two decimals, no trailing zeros. */
export function formatPoints(points: number): string {
  return String(Math.round(points * 100) / 100);
}

/** Rank numbers with ties sharing one (1, 1, 3). */
export function ranks(rows: readonly ScoreRow[]): number[] {
  const out: number[] = [];
  rows.forEach((r, i) => out.push(i > 0 && rows[i - 1]!.score === r.score ? out[i - 1]! : i + 1));
  return out;
}
