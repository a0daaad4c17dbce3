import cron from 'node-cron';
import { z } from 'zod';
import { durationSchema } from './durations';

/** The organisation file (docs/design.md §2), checked field by field; cross-references are checked in org-file.ts. */
const id = z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'expected an id of letters, digits, _ . @ -');
/**
 * Names and scale words from the file reach markdown replies and pushes; a character WeCom reads
 * as markup (a link `[..](..)`, a mention `<@all>`, emphasis, code) is refused here, and the
 * replies make them inert as well (docs/design.md §4.7).
 */
const MARKUP_CHARS = /[<>[\]*~`|&]/u;
const noMarkup = <T extends z.ZodString>(s: T) => s.refine((v) => !MARKUP_CHARS.test(v), 'must not contain any of < > [ ] * ~ ` | & (WeCom reads them as markup)');
/** A line break (Alt+Enter in an Excel cell) or other control character would start a new markdown line in a reply. */
const CONTROL_CHARS = /[\p{Cc}\u2028\u2029]/u;
const name = noMarkup(z.string().trim().min(1, 'must not be empty').max(64)).refine((v) => !CONTROL_CHARS.test(v), 'must not contain line breaks or control characters');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time like 09:00');
const cronExpr = z.string().refine((s) => cron.validate(s), 'expected a cron expression like "0 9 * * 1"');

export const personSchema = z.strictObject({
  userid: id,
  name,
  aliases: z.array(name).default([]),
  /** 手机号 from the roster: kept for the department's own lookups, never shown in a group. */
  phone: z.string().regex(/^\+?\d[\d-]{5,19}$/, 'expected a phone number of digits, e.g. 13800000000').optional(),
});

/**
 * Besides the secretary, the people a district assigns to a unit (驻村第一书记, 联络员, …): they
 * are @-ed with the secretary on its assignments and reminders and may report its fixes.
 */
export const unitContactSchema = z.strictObject({
  userid: id,
  title: name,
});

export const unitSchema = z.strictObject({
  id,
  name,
  town: name,
  kind: name,
  secretary: id.optional(),
  contacts: z.array(unitContactSchema).default([]),
});

export const teamSchema = z.strictObject({
  id,
  name,
  leader: id,
  members: z.array(id).min(1, 'a team needs at least one member'),
  towns: z.array(name).default([]),
  units: z.array(id).default([]),
  kinds: z.array(name).default([]),
});

/** "env:NAME" keeps a secret out of the file; anything else is the key itself. */
const webhookKey = z.string().min(1);

export const chatSchema = z
  .strictObject({
    chatid: z.string().min(1).max(128),
    team: id.optional(),
    town: name.optional(),
    unit: id.optional(),
    admin: z.literal(true).optional(),
    webhookKey: webhookKey.optional(),
  })
  .refine((c) => [c.team, c.town, c.unit, c.admin].filter((v) => v !== undefined).length === 1, {
    message: 'a chat needs exactly one scope: team, town, unit or admin: true',
  });

/**
 * Points per day or per case, in hundredths at most (0.5, 0.25): scores are summed in hundredths
 * of a point as integers, so the same ledger always gives the same score, to the last digit.
 */
const points = z
  .number()
  .min(0, 'must not be negative')
  .max(100, 'at most 100 points')
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-9, 'at most two decimals, e.g. 0.5 or 0.25');
const graceDays = z.number().int('whole days').min(0).max(365);

/**
 * 百分量化考核 (docs/design.md §4.14): deductions only from ledger outcomes — a duty not done in
 * time — never from how much was reported. Team deductions also fall on the member who found the
 * issue; per-day deductions start after graceDays whole days.
 */
export const scoringSchema = z.strictObject({
  teams: z
    .strictObject({
      /** Per day a report waits in 待交办 beyond graceDays. */
      perUnassignedDay: points.default(0.5),
      /** Per day a reported fix waits in 待核验 (on the team) beyond graceDays. */
      perUnverifiedDay: points.default(0.5),
      /** Per day an overdue issue goes without a /催办 (or a new 交办) beyond graceDays. */
      perUnremindedDay: points.default(0.2),
      /** Per 回头看 not done by its date (revisitAfter after 销号). */
      perLateRevisit: points.default(1),
      /** Per issue of the area closed late (the fix came after the deadline in force). */
      perLateClose: points.default(0.5),
      graceDays: graceDays.default(2),
    })
    .default({ perUnassignedDay: 0.5, perUnverifiedDay: 0.5, perUnremindedDay: 0.2, perLateRevisit: 1, perLateClose: 0.5, graceDays: 2 }),
  units: z
    .strictObject({
      /** Per issue closed late. */
      perLateClose: points.default(1),
      /** Per day overdue beyond graceDays. */
      perOverdueDay: points.default(0.2),
      /** Per fix rejected (驳回). */
      perRejection: points.default(0.5),
      /** Per 回头看 that found the problem back (反弹). */
      perRelapse: points.default(2),
      graceDays: graceDays.default(0),
    })
    .default({ perLateClose: 1, perOverdueDay: 0.2, perRejection: 0.5, perRelapse: 2, graceDays: 0 }),
});

/**
 * One word of a grading scale (完成效果 at 销号, 群众评价 at 回访; docs/design.md §4.16): the word
 * people type and see, other words that mean it, and the points it costs the unit's score.
 */
export const scaleWordSchema = z.strictObject({
  word: noMarkup(z.string().trim().min(1).max(8)),
  aliases: z.array(noMarkup(z.string().trim().min(1).max(8))).default([]),
  deduct: points.default(0),
});
const scale = (words: [string, number][]) => words.map(([word, deduct]) => ({ word, aliases: [], deduct }));
const scaleSchema = (defaults: [string, number][]) =>
  z
    .array(scaleWordSchema)
    .min(2, 'a scale needs at least two words')
    .max(10)
    .refine((ws) => new Set(ws.flatMap((w) => [w.word, ...w.aliases])).size === ws.reduce((n, w) => n + 1 + w.aliases.length, 0), 'a word or alias appears twice')
    .default(scale(defaults));

/** 建议提醒约谈 in the weekly 通报: a unit with at least `overdueIssues` issues each overdue more than `overdueDays` days. */
export const talkAdviceSchema = z.strictObject({
  overdueIssues: z.number().int().min(1).max(1000).default(3),
  overdueDays: z.number().int().min(1).max(365).default(7),
});

/** One item of the 巡查 checklist (docs/design.md §4.19): its short code, its name, other names. */
export const checklistItemSchema = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9]{1,8}$/, 'expected a short code of letters and digits, e.g. A1'),
  name,
  aliases: z.array(name).default([]),
});

const escalationSchema = z.strictObject({ after: durationSchema, to: z.enum(['leader', 'admins']) });

export const policySchema = z.strictObject({
  deadline: durationSchema.default({ text: '7d', ms: 7 * 86_400_000 }),
  remindBefore: z.array(durationSchema).default([
    { text: '3d', ms: 3 * 86_400_000 },
    { text: '1d', ms: 86_400_000 },
    { text: '0d', ms: 0 },
  ]),
  remindAt: hhmm.default('09:00'),
  digestCron: cronExpr.default('0 9 * * *'),
  escalate: z.array(escalationSchema).default([
    { after: { text: '3d', ms: 3 * 86_400_000 }, to: 'leader' },
    { after: { text: '7d', ms: 7 * 86_400_000 }, to: 'admins' },
  ]),
  revisitAfter: durationSchema.default({ text: '30d', ms: 30 * 86_400_000 }),
  /** "off" (or absent in a file that says so) means pushes at any hour. */
  quietHours: z
    .string()
    .regex(/^(([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d|off)$/, 'expected a window like 21:00-08:00, or off')
    .default('21:00-08:00')
    .transform((v) => (v === 'off' ? undefined : v)),
  bulletinCron: cronExpr.default('0 9 * * 1'),
  /**
   * The 季度小结 and 年度汇总 ticks. They run on each day given and send on the first working day
   * after the quarter (year) ends (调休 and holidays from the official calendar), once per period:
   * the days must reach past the longest break (国庆 can end on the 8th).
   */
  quarterlyCron: cronExpr.default('0 9 1-10 1,4,7,10 *'),
  annualCron: cronExpr.default('0 9 1-10 1 *'),
  yellowWithin: durationSchema.default({ text: '2d', ms: 2 * 86_400_000 }),
  /** How long a generated file (the 台账 workbook, a .docx) and its signed download link last. */
  exportLinkTtl: durationSchema.default({ text: '24h', ms: 86_400_000 }),
  /** 走访覆盖: a unit whose latest visit is older than this many days is named in /status and the export. */
  coverageStaleDays: z.number().int().min(1).max(3650).default(90),
  scoring: scoringSchema.default(scoringSchema.parse({})),
  /** 完成效果, best first; `deduct` is taken from the unit's score per issue graded so. */
  grades: scaleSchema([
    ['好', 0],
    ['较好', 0],
    ['一般', 0.5],
    ['差', 2],
  ]),
  /** 群众评价 at 回访, best first; `deduct` as for grades. */
  ratings: scaleSchema([
    ['满意', 0],
    ['基本满意', 0.5],
    ['不满意', 2],
  ]),
  talkAdvice: talkAdviceSchema.default({ overdueIssues: 3, overdueDays: 7 }),
  /** The most units one /布置 may reach: a bigger broadcast is split by town (docs/design.md §4.15). */
  taskMaxUnits: z.number().int().min(1).max(100_000).default(5000),
});

export const orgFileSchema = z.strictObject({
  district: name,
  timezone: z.literal('Asia/Shanghai', { error: 'only Asia/Shanghai is supported' }).default('Asia/Shanghai'),
  admins: z.array(id).default([]),
  people: z.array(personSchema).min(1, 'the organisation needs people'),
  units: z.array(unitSchema).default([]),
  teams: z.array(teamSchema).default([]),
  chats: z.array(chatSchema).default([]),
  /** The 巡查 checklist: problems name an item as their 类别 (empty: 类别 is free text). */
  checklist: z.array(checklistItemSchema).default([]),
  policy: policySchema.default(policySchema.parse({})),
});

export type OrgFile = z.output<typeof orgFileSchema>;
export type PersonRecord = z.output<typeof personSchema>;
export type UnitRecord = z.output<typeof unitSchema>;
export type UnitContact = z.output<typeof unitContactSchema>;
export type TeamRecord = z.output<typeof teamSchema>;
export type ChatRecord = z.output<typeof chatSchema>;
export type Policy = z.output<typeof policySchema>;
export type ScoringRules = z.output<typeof scoringSchema>;
export type ScaleWord = z.output<typeof scaleWordSchema>;
export type ChecklistItem = z.output<typeof checklistItemSchema>;
