import { z } from 'zod';
import { ISSUE_STATES, type Issue } from '../domain/issue';
import { ENTRY_LIMITS } from '../domain/limits';

/**
 * Issues in Redis: a hash of scalars (as text) and small JSON values, plus one list per history
 * (deadline changes, reject reasons, evidence), one JSON entry per element. Histories grow with
 * the issue's life, so they are appended to, never rewritten; and a commit writes only the hash
 * fields that changed. Reading goes through zod, so a record written by another version fails
 * loudly instead of turning into a wrong issue.
 */

/** The Issue lists kept in their own keys (the key names use these field names). */
export const HISTORY_LISTS = ['deadlineChanges', 'rejectReasons', 'evidence'] as const satisfies readonly (keyof Issue)[];
export type HistoryList = (typeof HISTORY_LISTS)[number];

/** The most entries read back per history: the lifecycle refuses a step past these. */
export const HISTORY_READ_LIMIT: Record<HistoryList, number> = {
  deadlineChanges: ENTRY_LIMITS.deadlineChanges,
  rejectReasons: ENTRY_LIMITS.rejections,
  evidence: ENTRY_LIMITS.evidence,
};

/** Fields left out of the hash while they hold their default (most issues are never rejected, relapse or reassigned). */
const DEFAULTS: Partial<Record<keyof Issue, string>> = { rejectCount: '0', relapseCount: '0', extensionRequestCount: '0', formerAssignees: '[]' };

const isHistory = (key: string): key is HistoryList => (HISTORY_LISTS as readonly string[]).includes(key);

/** The hash fields of an issue, as Redis holds them. */
function hashFields(issue: Issue): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [key, value] of Object.entries(issue) as [keyof Issue, unknown][]) {
    if (value === undefined || isHistory(key)) continue;
    const text = typeof value === 'object' ? JSON.stringify(value) : typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
    if (DEFAULTS[key] !== text) fields.set(key, text);
  }
  return fields;
}

export interface IssueWrite {
  /** Hash fields to set: those that changed since `before` (always "version"). */
  set: [string, string][];
  /** Hash fields `before` had and the issue no longer has. */
  del: string[];
  /** New history entries, JSON each, to append to each list. */
  append: { list: HistoryList; entries: string[] }[];
}

/**
 * What to write to turn the stored `before` (as read, at its version) into `issue`; everything
 * for a new issue. Throws when a history was rewritten rather than appended to: the lifecycle
 * only appends, and a list key cannot be edited in place by an append.
 */
export function encodeIssue(issue: Issue, before?: Issue): IssueWrite {
  const now = hashFields(issue);
  const was = before ? hashFields(before) : new Map<string, string>();
  const set = [...now].filter(([k, v]) => k === 'version' || was.get(k) !== v);
  const del = [...was.keys()].filter((k) => !now.has(k));
  const append: IssueWrite['append'] = [];
  for (const list of HISTORY_LISTS) {
    const old: readonly unknown[] = before?.[list] ?? [];
    const next: readonly unknown[] = issue[list];
    const kept = next.length >= old.length && old.every((e, i) => e === next[i] || JSON.stringify(e) === JSON.stringify(next[i]));
    if (!kept) throw new Error(`issue #${issue.id}: ${list} was rewritten, not appended to`);
    if (next.length > old.length) append.push({ list, entries: next.slice(old.length).map((e) => JSON.stringify(e)) });
  }
  return { set, del, append };
}

const int = z.coerce.number().int();
const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

const evidenceSchema = z.object({
  kind: z.enum(['image', 'file', 'video']),
  url: z.string(),
  aesKey: z.string().optional(),
  msgid: z.string(),
  at: z.number(),
});
const deadlineChangeSchema = z.object({ from: z.number().nullable(), to: z.number(), reason: z.string(), by: z.string(), at: z.number() });

const entrySchemas = {
  deadlineChanges: deadlineChangeSchema,
  rejectReasons: z.string(),
  evidence: evidenceSchema,
} as const satisfies Record<HistoryList, z.ZodType>;

const issueHashSchema = z.object({
  id: int,
  version: int,
  state: z.enum(ISSUE_STATES),
  unitId: z.string(),
  teamIds: json(z.array(z.string())),
  description: z.string(),
  category: z.string().optional(),
  source: z.string().optional(),
  reporter: z.string(),
  assignee: z.string().optional(),
  formerAssignees: json(z.array(z.string())).optional(),
  deadline: int.optional(),
  homeChat: z.string(),
  createdAt: int,
  assignedAt: int.optional(),
  submittedAt: int.optional(),
  closedAt: int.optional(),
  revisitedAt: int.optional(),
  canceledAt: int.optional(),
  fixNote: z.string().optional(),
  fixedBy: z.string().optional(),
  rejectCount: int.default(0),
  relapseCount: int.default(0),
  extensionRequest: json(z.object({ to: z.number(), reason: z.string(), by: z.string(), at: z.number() })).optional(),
  extensionRequestCount: int.optional(),
  verifyNote: z.string().optional(),
  revisitNote: z.string().optional(),
  cancelReason: z.string().optional(),
  closedOnTime: z.enum(['0', '1']).transform((v) => v === '1').optional(),
  // Hashes written before the histories moved to their own keys hold them as JSON fields; such a
  // field is never written again, and entries appended since follow it in the list.
  deadlineChanges: json(z.array(deadlineChangeSchema)).optional(),
  rejectReasons: json(z.array(z.string())).optional(),
  evidence: json(z.array(evidenceSchema)).optional(),
});

/** The raw list entries of an issue's histories, as LRANGE returns them (absent: empty). */
export type HistoryEntries = Partial<Record<HistoryList, readonly string[]>>;

export function decodeIssue(hash: Record<string, string>, lists: HistoryEntries = {}): Issue {
  const parsed = issueHashSchema.parse(hash);
  const histories = Object.fromEntries(
    HISTORY_LISTS.map((list) => [list, [...(parsed[list] ?? []), ...z.array(json(entrySchemas[list])).parse(lists[list] ?? [])]]),
  );
  // zod gives optional keys as present-but-undefined; drop them so Issue stays exact.
  return Object.fromEntries(Object.entries({ ...parsed, ...histories }).filter(([, v]) => v !== undefined)) as unknown as Issue;
}
