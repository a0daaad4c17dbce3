import { z } from 'zod';
import { EVIDENCE_FAILURES, EVIDENCE_TYPES, ISSUE_STATES, type Evidence, type Issue } from '../domain/issue';

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
 * Evidence entries are written without their outcome; the download job appends an outcome line
 * (tag "o": msgid, index, stored or failed) when it is done, and reading merges it into the entry
 * (docs/design.md §6.6). Entries written before duban kept files carry WeCom's link and key: they
 * read as not kept (`before-keeping`), without the link.
 *
 * Reading checks every field by its kind, so a record written by another version fails loudly
 * instead of turning into a wrong issue: decodeIssue (one issue at a time) also holds every list
 * entry and the extension request to their zod schemas; the streaming scan of whole scopes reads
 * with decodeStoredIssue, which checks the structure only (see there why).
 */

/** The Issue lists kept in the history, with their line tags. */
const HISTORY_TAGS = { deadlineChanges: 'd', rejectReasons: 'r', evidence: 'e' } as const satisfies Partial<Record<keyof Issue, string>>;
export type HistoryList = keyof typeof HISTORY_TAGS;
export const HISTORY_LISTS = Object.keys(HISTORY_TAGS) as HistoryList[];

/** The tag of an evidence outcome line (not a list of its own: it settles an evidence entry). */
const OUTCOME_TAG = 'o';

/** An evidence entry as written: no outcome (that comes as its own line), never a link or key. */
function bareEvidence(e: Evidence): Evidence {
  return { kind: e.kind, msgid: e.msgid, index: e.index, at: e.at };
}

export type EvidenceOutcome = { stored: NonNullable<Evidence['stored']> } | { failed: NonNullable<Evidence['failed']> };

/**
 * The history line that settles one evidence entry (appended by the evidence store's script), and
 * its start, which names the entry alone: the script finds it to settle an entry once.
 */
export function evidenceOutcomeLine(msgid: string, index: number, outcome: EvidenceOutcome): { line: string; start: string } {
  const line = `${OUTCOME_TAG}${JSON.stringify({ msgid, index, ...outcome })}\n`;
  const start = `${OUTCOME_TAG}${JSON.stringify({ msgid, index }).slice(0, -1)},`;
  return { line, start };
}

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
    for (const list of HISTORY_LISTS) if (issue[list].length) now.set(list, JSON.stringify(list === 'evidence' ? issue.evidence.map(bareEvidence) : issue[list]));
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
    for (const entry of next.slice(old.length)) append += `${HISTORY_TAGS[list]}${JSON.stringify(list === 'evidence' ? bareEvidence(entry as Evidence) : entry)}\n`;
  }
  return { set, del, append };
}

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

const storedSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative(), type: z.enum(EVIDENCE_TYPES) });
const failedSchema = z.object({ reason: z.enum(EVIDENCE_FAILURES) });
/**
 * An evidence entry; one written before duban kept files (with WeCom's link, no index) reads as
 * not kept. An issue's entries are written bare (their outcome comes as its own line); a record
 * whose photos are never kept (走访, 典型经验) writes its entries with `failed` (`not-kept`).
 */
export const evidenceSchema = z
  .object({
    kind: z.enum(['image', 'file', 'video']),
    msgid: z.string(),
    index: z.number().int().min(0).optional(),
    url: z.string().optional(),
    at: z.number(),
    failed: failedSchema.optional(),
  })
  .transform((e): Evidence => (e.index === undefined ? legacyEvidence(e) : { kind: e.kind, msgid: e.msgid, index: e.index, at: e.at, ...(e.failed ? { failed: e.failed } : {}) }));
const outcomeSchema = z.object({ msgid: z.string(), index: z.number().int().min(0), stored: storedSchema.optional(), failed: failedSchema.optional() });

function legacyEvidence(e: { kind: Evidence['kind']; msgid: string; at: number }): Evidence {
  return { kind: e.kind, msgid: e.msgid, index: 0, at: e.at, failed: { reason: 'before-keeping' } };
}

/**
 * The entries with their outcomes merged: each outcome settles the first entry of its msgid and
 * index that has none (a second outcome for one entry, which the script's version check
 * prevents, changes nothing).
 */
function settle(entries: Evidence[], outcomes: readonly z.output<typeof outcomeSchema>[]): Evidence[] {
  if (!outcomes.length) return entries;
  const out = entries.map((e) => ({ ...e }));
  for (const o of outcomes) {
    const e = out.find((x) => x.msgid === o.msgid && x.index === o.index && !x.stored && !x.failed);
    if (!e) continue;
    if (o.stored) e.stored = o.stored;
    else if (o.failed) e.failed = o.failed;
  }
  return out;
}
const deadlineChangeSchema = z.object({ from: z.number().nullable(), to: z.number(), reason: z.string(), by: z.string(), at: z.number() });

const entrySchemas = {
  deadlineChanges: deadlineChangeSchema,
  rejectReasons: z.string(),
  evidence: evidenceSchema,
} as const satisfies Record<HistoryList, z.ZodType>;

const TAG_LIST = new Map<string, HistoryList>(HISTORY_LISTS.map((list) => [HISTORY_TAGS[list], list]));
/** Built once: a scan decodes every history line of 100 000 issues. */
const ENTRY_JSON: Record<HistoryList, z.ZodType> = { deadlineChanges: json(entrySchemas.deadlineChanges), rejectReasons: json(entrySchemas.rejectReasons), evidence: json(entrySchemas.evidence) };

const OUTCOME_JSON = json(outcomeSchema);

/** The history string's entries, per list, in order, and the evidence outcomes. */
function decodeHistory(history: string): Record<HistoryList, unknown[]> & { outcomes: z.output<typeof outcomeSchema>[] } {
  const out = Object.fromEntries(HISTORY_LISTS.map((list) => [list, [] as unknown[]])) as Record<HistoryList, unknown[]>;
  const outcomes: z.output<typeof outcomeSchema>[] = [];
  for (const line of history.split('\n')) {
    if (!line) continue;
    if (line[0] === OUTCOME_TAG) {
      outcomes.push(OUTCOME_JSON.parse(line.slice(1)));
      continue;
    }
    const list = TAG_LIST.get(line[0]!);
    if (!list) throw new Error(`history line with unknown tag "${line[0]}"`);
    out[list].push(ENTRY_JSON[list].parse(line.slice(1)));
  }
  return { ...out, outcomes };
}

const extensionRequestSchema = z.object({ to: z.number(), reason: z.string(), by: z.string(), at: z.number() });
/** The hash's lists as at 上报 (or, in hashes written before the history existed, as at that time). */
const HASH_LISTS: Record<HistoryList, z.ZodType> = { deadlineChanges: z.array(entrySchemas.deadlineChanges), rejectReasons: z.array(entrySchemas.rejectReasons), evidence: z.array(entrySchemas.evidence) };

/**
 * An issue from its hash and its history string (absent: no entries yet), for the reads of one
 * issue at a time (LedgerStore): each field by its kind, as decodeStoredIssue reads it, and the
 * values that are more than a scalar (list entries, the extension request) through their zod
 * schemas. The whole hash through one zod object schema cost some 4 µs an issue on the hot path.
 */
export function decodeIssue(hash: Record<string, string>, history: string | null = null): Issue {
  const issue = decodeFields(hash);
  for (const key of ['teamIds', 'formerAssignees'] as const) {
    const list = issue[key] as unknown[] | undefined;
    if (list?.some((v) => typeof v !== 'string')) throw storedIssueError(hash, `${key} is not a list of ids`);
  }
  if (issue.extensionRequest !== undefined) issue.extensionRequest = extensionRequestSchema.parse(issue.extensionRequest);
  for (const list of HISTORY_LISTS) if (issue[list] !== undefined) issue[list] = HASH_LISTS[list].parse(issue[list]);
  const entries = history ? decodeHistory(history) : undefined;
  for (const list of HISTORY_LISTS) {
    const first = (issue[list] as unknown[] | undefined) ?? [];
    issue[list] = entries?.[list].length ? [...first, ...entries[list]] : first;
  }
  if (entries) issue.evidence = settle(issue.evidence as Evidence[], entries.outcomes);
  return issue as unknown as Issue;
}

/** How each hash field reads (decodeIssue, decodeStoredIssue); fields not named here are dropped. */
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
  const issue = decodeFields(hash);
  const entries = history ? decodeHistoryJson(history, hash) : undefined;
  for (const list of HISTORY_LISTS) {
    const first = (issue[list] as unknown[] | undefined) ?? [];
    issue[list] = entries?.[list].length ? [...first, ...entries[list]] : first;
  }
  issue.evidence = settle((issue.evidence as Record<string, unknown>[]).map((e) => storedEvidence(e, hash)), entries?.outcomes ?? []);
  return issue as unknown as Issue;
}

/**
 * The hash's fields by their kinds (FIELD_KINDS; others dropped), the counters' defaults, and the
 * checks both read paths make: the fields every issue has are there, the state is one we know.
 */
function decodeFields(hash: Record<string, string>): Record<string, unknown> {
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
  return issue;
}

function parseJson(text: string, hash: Record<string, string>, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw storedIssueError(hash, `${what} is not JSON`);
  }
}

/** An evidence entry on the scan path: the JSON the commit wrote, or an entry from before duban kept files. */
function storedEvidence(e: Record<string, unknown>, hash: Record<string, string>): Evidence {
  if (typeof e !== 'object' || e === null || typeof e.msgid !== 'string') throw storedIssueError(hash, 'an evidence entry without msgid');
  const entry = e as unknown as Evidence;
  return typeof e.index === 'number' ? entry : legacyEvidence(entry);
}

/** The history's entries, per list, as JSON (the scan's counterpart of decodeHistory). */
function decodeHistoryJson(history: string, hash: Record<string, string>): Record<HistoryList, unknown[]> & { outcomes: z.output<typeof outcomeSchema>[] } {
  const out: Record<HistoryList, unknown[]> = { deadlineChanges: [], rejectReasons: [], evidence: [] };
  const outcomes: z.output<typeof outcomeSchema>[] = [];
  for (const line of history.split('\n')) {
    if (!line) continue;
    if (line[0] === OUTCOME_TAG) {
      outcomes.push(parseJson(line.slice(1), hash, 'an evidence outcome') as z.output<typeof outcomeSchema>);
      continue;
    }
    const list = TAG_LIST.get(line[0]!);
    if (!list) throw storedIssueError(hash, `history line with unknown tag "${line[0]}"`);
    out[list].push(parseJson(line.slice(1), hash, 'a history line'));
  }
  return { ...out, outcomes };
}

const storedIssueError = (hash: Record<string, string>, why: string) => new Error(`stored issue #${hash.id ?? '?'} does not read as an issue: ${why}`);
