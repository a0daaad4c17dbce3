import { z } from 'zod';
import type { Figures } from '../domain/stats';
import { ISSUE_STATES } from '../domain/issue';
import { STATE_GROUPS, type StateKey } from '../domain/issue-filter';

/**
 * The dashboard's JSON API, one place for both sides (docs/design.md §7.4): the server validates
 * every query with these schemas; the page (web/dashboard) imports the response types only
 * (`import type`), so no zod reaches the browser. Every text field is plain text: the page puts
 * it into the DOM with textContent, never as HTML.
 *
 * All routes answer 401 without a session, 403 outside the person's scope, 400 on a bad query,
 * with `ApiError`.
 */
export interface ApiError {
  error: string;
  /** Chinese, for the page to show as it is. */
  message: string;
}

/**
 * The scope and period of a view, as /status reads them: `scope` is a word the chat accepts
 * (镇街, 单位, 工作队, 全区; none = the person's own area), `period` 本月/本季度/本年/累计/2026 …,
 * or a custom range of discovery months `from`..`to` ("2026-03".."2026-08"; the counters are
 * kept per discovery month, so a range is of months).
 */
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/u);
export const ViewQuery = z.object({
  scope: z.string().trim().max(50).optional(),
  period: z.string().trim().max(30).optional(),
  from: month.optional(),
  to: month.optional(),
});
export type ViewQuery = z.infer<typeof ViewQuery>;

/** GET /api/me: who is signed in, what they may choose from, and the CSRF token for POSTs. */
export interface MeResponse {
  name: string;
  userid: string;
  /** 组织部 / 队长 / 队员, as /whoami says them. */
  roles: string[];
  /** The person's own area (the default scope). */
  scope: string;
  csrf: string;
  /** Session end (ms since epoch). */
  expiresAt: number;
  /** What the filters offer: only what the person may see. */
  choices: {
    /** The table's 镇街 filter: towns holding a unit the person may see (it keeps those units' rows). */
    towns: string[];
    /**
     * The towns the scope picker may offer: those the person may see whole, as the chat's /status
     * reads a town (a team defined by unit kind, the schools or the enterprises, has none).
     */
    scopeTowns: string[];
    teams: { id: string; name: string }[];
    units: { id: string; name: string; town: string }[];
    states: { key: string; label: string }[];
    categories: { code: string; name: string }[];
  };
  /** Whether the scores (考核) and the export are the person's to see/use (the chat's roles). */
  canSeeScores: boolean;
  canExport: boolean;
}

/** Figures of a scope and period: the /status read model's own type, sent as it is. */
export type FiguresBody = Figures;

/** GET /api/figures?ViewQuery */
export interface FiguresResponse {
  scope: string;
  period: string;
  figures: FiguresBody;
  /** The department's task issues (/布置), counted apart. */
  tasks: FiguresBody;
}

/** GET /api/charts?ViewQuery: what the four charts draw, all from the same read model. */
export interface ChartsResponse {
  scope: string;
  period: string;
  /** Stacked bars of the states: per team for the district, per town or unit below it. */
  groups: {
    by: 'team' | 'town' | 'unit';
    rows: { key: string; label: string; reported: number; assigned: number; submitted: number; rectified: number; overdue: number }[];
  };
  /**
   * 发现 vs 销号 per discovery month ("2026-05"), oldest first: the period's months up to this
   * month (本年 in June ends at June), or the last 12.
   * `rectified` is how many of that month's problems are rectified now (counters are by discovery month).
   */
  trend: { month: string; found: number; rectified: number }[];
  /** 三色预警 of the issues rectifying now: red overdue, yellow due within the policy's days, green otherwise. */
  warning: { red: number; yellow: number; green: number; yellowWithinDays: number };
  /** The units with the most overdue problems, most first (at most 10). */
  topOverdue: { unitId: string; unit: string; town: string; overdue: number }[];
}

export const SORTS = ['deadline', 'age'] as const;
/** A state or a state group (未办结, 已整改), as the table's state filter offers them. */
const STATE_KEYS = [...ISSUE_STATES, ...(Object.keys(STATE_GROUPS) as (keyof typeof STATE_GROUPS)[])] as const satisfies readonly StateKey[];
export const TableQuery = ViewQuery.extend({
  state: z.enum(STATE_KEYS).optional(),
  town: z.string().trim().max(30).optional(),
  unit: z.string().trim().max(60).optional(),
  team: z.string().trim().max(60).optional(),
  overdue: z.enum(['1', '0']).optional(),
  category: z.string().trim().max(40).optional(),
  /**
   * Search, case- and width-insensitive: "#12" or "12" finds that issue (when the person may see
   * it); otherwise the words match the description and fix note, the unit's name and town, and
   * the assignee's name.
   */
  q: z.string().trim().max(50).optional(),
  sort: z.enum(SORTS).default('age'),
  order: z.enum(['asc', 'desc']).default('desc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  size: z.coerce.number().int().min(5).max(100).default(20),
});
export type TableQuery = z.infer<typeof TableQuery>;

export interface TableRow {
  id: number;
  /** "#12" */
  ref: string;
  description: string;
  unit: string;
  town: string;
  teams: string[];
  category?: string;
  state: string;
  stateLabel: string;
  createdAt: number;
  deadline?: number;
  /** False when the deadline is the end of its day (23:59): show the date alone; true: show the time too. */
  deadlineHasTime?: boolean;
  /** True while rectifying past the deadline: what the 逾期 figure and filter count (the same as warning 'red'). */
  overdue?: boolean;
  /** Calendar days past the deadline, set when overdue: 0 means overdue since earlier today ("今天逾期"). */
  overdueDays?: number;
  warning?: 'red' | 'yellow' | 'green';
  assignee?: string;
  /** 布置 task ref ("#T3") when the issue is one of a task's. */
  task?: string;
}

/** GET /api/issues?TableQuery */
export interface TableResponse {
  total: number;
  page: number;
  size: number;
  rows: TableRow[];
}

/** GET /api/issues/:id: the issue as /查看 shows it, with its whole history. */
export interface IssueResponse {
  row: TableRow;
  reporter: string;
  source?: string;
  fixNote?: string;
  fixedBy?: string;
  verifyNote?: string;
  revisitNote?: string;
  rejectReasons: string[];
  grade?: string;
  rating?: string;
  /** Oldest first; actor a name, action the step's word (上报, 交办, 反馈整改 …), from/to state words (整改中 …). */
  history: { at: number; actor: string; action: string; from?: string; to: string; note?: string }[];
  /**
   * Evidence photos and files, in order: kept ones with a signed, expiring link (url: a path on
   * the dashboard's own origin, so the page's `img-src 'self'` lets it show), the rest with url ''
   * — still being saved, or not kept, with the reason in `note`; a kept one has url '' only where
   * no link can be made. `type`: a kept file's.
   */
  photos: { kind: string; url: string; at: number; status: 'stored' | 'saving' | 'failed'; type?: 'jpeg' | 'png' | 'pdf'; note?: string }[];
}

/**
 * One row of a /考核 ranking. `deducted` is what the ledger took (按台账结果扣分, a positive
 * number of points); `adjusted` the 组织部's 加减分 (manual entries not withdrawn, net: +2, −1).
 * score = 100 − deducted + adjusted.
 */
export interface ScoreLine {
  rank: number;
  /** Team id or unit id. */
  id: string;
  name: string;
  /** For a unit: its town. */
  town?: string;
  score: number;
  /** The chat's words for the score: "102 分", "96.5 分". */
  scoreText: string;
  deducted: number;
  adjusted: number;
}

/**
 * GET /api/scores?ViewQuery: the /考核 rankings and the 典型经验 of the scope and period. /考核
 * ranks teams by default: `teams` are the teams whose whole area is in the scope (all of them for
 * the district, a 队长's own team for their area), `units` the units of the scope, both ranked as
 * the chat ranks them (ties share a rank).
 */
export interface ScoresResponse {
  scope: string;
  period: string;
  /** The moment the per-day deductions are counted up to (ms). */
  asOf: number;
  /** The chat's words, to show as they are. */
  words: {
    /** "百分量化考核" */
    title: string;
    /** "工作队排名" */
    teams: string;
    /** "责任单位排名" */
    units: string;
    /** "得分", "扣分", "加减分": the column heads. */
    score: string;
    deducted: string;
    adjusted: string;
    /** "计分截至 12月2日（周三）；满分 100，按台账结果扣分，含组织部加减分。" */
    asOf: string;
  };
  teams: ScoreLine[];
  units: ScoreLine[];
  practices: { id: number; unit: string; title: string; at: number; by: string }[];
}

/** POST /api/export (header x-csrf-token): the same 台账 workbook as /导出 for the current filter. */
export const ExportBody = TableQuery.omit({ sort: true, order: true, page: true, size: true });
export type ExportBody = z.infer<typeof ExportBody>;
export interface ExportResponse {
  /** The signed download link (the same route as /导出's), valid until expiresAt. */
  url: string;
  name: string;
  expiresAt: number;
}
