import { z } from 'zod';
import { ISSUE_STATES, type Issue } from '../domain/issue';

/**
 * Issues in Redis: a hash of scalars (as text) and small JSON values, and beside it a history
 * string for the lists that grow over the issue's life (deadline changes, reject reasons,
 * evidence): one line per entry, a one-letter tag and the entry as JSON (JSON never holds a raw
 * newline). The lists as they were at 上报 (the first deadline, the report's photos) are written
 * once into the hash as JSON and never again; every later entry is appended to the history.
 * So the hash does not grow after creation, and a commit sends only the hash fields that changed
 * and the new entries. The lifecycle caps every list (domain/limits): a history stays a few KB.
 *
 * Why this shape: most issues never add an entry after 上报, and a second key per issue costs
 * about 180 B (Redis 7.0 keeps even a one-element list as a quicklist, some 120 B more than a
 * string); the memory budget per open issue (README, reminders at scale) has no room for either.
 * Hashes written before the history existed hold whole lists in those fields: they read the same.
 *
 * Reading goes through zod, so a record written by another version fails loudly instead of
 * turning into a wrong issue; the streaming scan of whole scopes reads with decodeStoredIssue,
 * a structural check without zod (see there why).
 */

/** The Issue lists kept in the history, with their line tags. */
const HISTORY_TAGS = { deadlineChanges: 'd', rejectReasons: 'r', evidence: 'e' } as const satisfies Partial<Record<keyof Issue, string>>;
export type HistoryList = keyof typeof HISTORY_TAGS;
export const HISTORY_LISTS = Object.keys(HISTORY_TAGS) as HistoryList[];

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
  /** History lines to append (tag + JSON + newline each); "" when no list grew, and for a new issue. */
  append: string;
}

/**
 * What to write to turn the stored `before` (as read, at its version) into `issue`; everything
 * for a new issue, its lists in the hash. Throws when a list was rewritten rather than appended
 * to: the lifecycle only appends, and the history cannot be edited in place.
 */
export function encodeIssue(issue: Issue, before?: Issue): IssueWrite {
  const now = hashFields(issue);
  if (!before) {
    for (const list of HISTORY_LISTS) if (issue[list].length) now.set(list, JSON.stringify(issue[list]));
    return { set: [...now], del: [], append: '' };
  }
  const was = hashFields(before);
  const set = [...now].filter(([k, v]) => k === 'version' || was.get(k) !== v);
  const del = [...was.keys()].filter((k) => !now.has(k));
  let append = '';
  for (const list of HISTORY_LISTS) {
    const old: readonly unknown[] = before[list];
    const next: readonly unknown[] = issue[list];
    const kept = next.length >= old.length && old.every((e, i) => e === next[i] || JSON.stringify(e) === JSON.stringify(next[i]));
    if (!kept) throw new Error(`issue #${issue.id}: ${list} was rewritten, not appended to`);
    for (const entry of next.slice(old.length)) append += `${HISTORY_TAGS[list]}${JSON.stringify(entry)}\n`;
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

export const evidenceSchema = z.object({
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
  taskId: int.optional(),
  roundId: int.optional(),
  grade: z.string().optional(),
  rating: z.string().optional(),
  // The lists as at 上报 (or, in hashes written before the history existed, as at that time);
  // entries appended since follow them in the history.
  deadlineChanges: json(z.array(deadlineChangeSchema)).optional(),
  rejectReasons: json(z.array(z.string())).optional(),
  evidence: json(z.array(evidenceSchema)).optional(),
});

const TAG_LIST = new Map<string, HistoryList>(HISTORY_LISTS.map((list) => [HISTORY_TAGS[list], list]));
/** Built once: a scan decodes every history line of 100 000 issues. */
const ENTRY_JSON: Record<HistoryList, z.ZodType> = { deadlineChanges: json(entrySchemas.deadlineChanges), rejectReasons: json(entrySchemas.rejectReasons), evidence: json(entrySchemas.evidence) };

/** The history string's entries, per list, in order. */
function decodeHistory(history: string): Record<HistoryList, unknown[]> {
  const out = Object.fromEntries(HISTORY_LISTS.map((list) => [list, [] as unknown[]])) as Record<HistoryList, unknown[]>;
  for (const line of history.split('\n')) {
    if (!line) continue;
    const list = TAG_LIST.get(line[0]!);
    if (!list) throw new Error(`history line with unknown tag "${line[0]}"`);
    out[list].push(ENTRY_JSON[list].parse(line.slice(1)));
  }
  return out;
}

/** An issue from its hash and its history string (absent: no entries yet). */
export function decodeIssue(hash: Record<string, string>, history: string | null = null): Issue {
  const parsed: Record<string, unknown> = issueHashSchema.parse(hash);
  const entries = history ? decodeHistory(history) : undefined;
  for (const list of HISTORY_LISTS) {
    const first = (parsed[list] as unknown[] | undefined) ?? [];
    parsed[list] = entries?.[list].length ? [...first, ...entries[list]] : first;
  }
  // zod gives optional keys as present-but-undefined; drop them so Issue stays exact.
  for (const key of Object.keys(parsed)) if (parsed[key] === undefined) delete parsed[key];
  return parsed as unknown as Issue;
}

/**
 * How each hash field reads on the scan path (decodeStoredIssue); fields not named here are
 * dropped, as the zod schema drops them.
 */
const FIELD_KINDS: Record<string, 'int' | 'text' | 'json' | 'list' | 'flag'> = {
  id: 'int',
  version: 'int',
  state: 'text',
  unitId: 'text',
  teamIds: 'list',
  description: 'text',
  category: 'text',
  source: 'text',
  reporter: 'text',
  assignee: 'text',
  formerAssignees: 'list',
  deadline: 'int',
  homeChat: 'text',
  createdAt: 'int',
  assignedAt: 'int',
  submittedAt: 'int',
  closedAt: 'int',
  revisitedAt: 'int',
  canceledAt: 'int',
  fixNote: 'text',
  fixedBy: 'text',
  rejectCount: 'int',
  relapseCount: 'int',
  extensionRequest: 'json',
  extensionRequestCount: 'int',
  verifyNote: 'text',
  revisitNote: 'text',
  cancelReason: 'text',
  closedOnTime: 'flag',
  taskId: 'int',
  roundId: 'int',
  grade: 'text',
  rating: 'text',
  deadlineChanges: 'list',
  rejectReasons: 'list',
  evidence: 'list',
};
const REQUIRED = ['id', 'version', 'state', 'unitId', 'teamIds', 'description', 'reporter', 'homeChat', 'createdAt'] as const;
const STATES: ReadonlySet<string> = new Set(ISSUE_STATES);

/**
 * decodeIssue without zod, for the streaming scan (the 台账 export, the scores, the summaries):
 * a 100 000-issue export spent some 7 % of its time, and much of its garbage, in zod. The scan
 * reads only hashes the commit script wrote from issues that passed the lifecycle, so each field
 * is read by its kind, and one cheap structural check stays: the fields every issue has are
 * there, numbers are whole, the state is one we know, lists are lists. A record some other
 * version wrote still fails loudly, on the first of those it breaks; records read one at a time
 * (LedgerStore) keep the full schema.
 */
export function decodeStoredIssue(hash: Record<string, string>, history: string | null = null): Issue {
  const issue: Record<string, unknown> = { rejectCount: 0, relapseCount: 0 };
  for (const key in hash) {
    const kind = FIELD_KINDS[key];
    if (kind === undefined) continue;
    const raw = hash[key]!;
    let value: unknown;
    if (kind === 'text') value = raw;
    else if (kind === 'int') {
      value = Number(raw);
      if (!Number.isInteger(value)) throw storedIssueError(hash, `${key} is not a whole number`);
    } else if (kind === 'flag') {
      if (raw !== '0' && raw !== '1') throw storedIssueError(hash, `${key} is not 0 or 1`);
      value = raw === '1';
    } else {
      value = parseJson(raw, hash, key);
      if (kind === 'list' && !Array.isArray(value)) throw storedIssueError(hash, `${key} is not a list`);
    }
    issue[key] = value;
  }
  for (const key of REQUIRED) if (issue[key] === undefined) throw storedIssueError(hash, `${key} is missing`);
  if (!STATES.has(issue.state as string)) throw storedIssueError(hash, `unknown state "${String(issue.state)}"`);
  const entries = history ? decodeHistoryJson(history, hash) : undefined;
  for (const list of HISTORY_LISTS) {
    const first = (issue[list] as unknown[] | undefined) ?? [];
    issue[list] = entries?.[list].length ? [...first, ...entries[list]] : first;
  }
  return issue as unknown as Issue;
}

function parseJson(text: string, hash: Record<string, string>, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw storedIssueError(hash, `${what} is not JSON`);
  }
}

/** The history's entries, per list, as JSON (the scan's counterpart of decodeHistory). */
function decodeHistoryJson(history: string, hash: Record<string, string>): Record<HistoryList, unknown[]> {
  const out: Record<HistoryList, unknown[]> = { deadlineChanges: [], rejectReasons: [], evidence: [] };
  for (const line of history.split('\n')) {
    if (!line) continue;
    const list = TAG_LIST.get(line[0]!);
    if (!list) throw storedIssueError(hash, `history line with unknown tag "${line[0]}"`);
    out[list].push(parseJson(line.slice(1), hash, 'a history line'));
  }
  return out;
}

const storedIssueError = (hash: Record<string, string>, why: string) => new Error(`stored issue #${hash.id ?? '?'} does not read as an issue: ${why}`);
