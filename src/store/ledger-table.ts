import { ISSUE_STATES, type Issue, type IssueState } from '../domain/issue';
import { foldText, searchText, type RowFilter } from '../domain/issue-filter';
import { scanIssues } from './issue-scan';
import type { Keys } from './keys';
import type { RedisClient } from './redis';

/**
 * The dashboard's 台账 table, an in-process index of every issue (docs/design.md §7.4, API): a
 * page of a filtered, sorted, searched table of 100 000 issues must answer in well under 200 ms,
 * and Redis has no secondary index that filters by state, unit, 类别 and text and sorts by
 * deadline or age at once (a sorted-set intersection per query, or a scan, would cost Redis far
 * more than the page is worth, and would block it while it runs).
 *
 * - Built once, lazily, by the cursor scan the export uses (issue-scan.ts: batches in short
 *   read-only scripts, so Redis is never blocked for long).
 * - Compact: columns in typed arrays and one folded search string per issue, not Issue objects.
 * - Kept fresh before every query from the ledger's audit stream (every commit, /布置 and
 *   /撤销 #T… XADD an entry naming the issue): the entries after the last one seen, then the
 *   changed issues' fields in one pipeline. So a change made in the chat is in the next query.
 * - Each server instance keeps its own; concurrent queries share one refresh.
 * - Two orders (by discovery time and by deadline, ties by id) are kept sorted; a changed
 *   issue moves within them by binary search, so a query walks one order and never sorts.
 */
export interface TableSpec {
  /** Units whose issues may be rows (scope ∩ town/unit/team filters). */
  unitIds: ReadonlySet<string>;
  /** Discovery times [start, end) of the period; all time when unset. */
  range?: { start: number; end: number } | undefined;
  filter: RowFilter;
  sort: 'deadline' | 'age';
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
  now: number;
}

export interface TablePage {
  total: number;
  /** The page's issue ids, in the order asked for. */
  ids: number[];
}

/** The issue fields the index keeps (a refresh reads only these). */
const FIELDS = ['id', 'state', 'unitId', 'createdAt', 'deadline', 'category', 'description', 'fixNote', 'assignee'] as const;
const STATE_INDEX = new Map<string, number>(ISSUE_STATES.map((s, i) => [s, i]));
const ASSIGNED = STATE_INDEX.get('assigned')!;
/** Audit entries per XRANGE. */
const STREAM_PAGE = 5_000;
const NO_DEADLINE = Number.POSITIVE_INFINITY;

type Row = Pick<Issue, 'id' | 'state' | 'unitId' | 'createdAt' | 'deadline' | 'category' | 'description' | 'fixNote' | 'assignee'>;

/** Strings (unit ids, 类别) as small numbers: 0 is "none". */
class Interned {
  private readonly index = new Map<string, number>();
  readonly values: string[] = [''];
  of(value: string | undefined): number {
    if (value === undefined) return 0;
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
  find(value: string): number | undefined {
    return this.index.get(value);
  }
}

/** Slots ordered by a key column, ties by issue id. */
class SortedSlots {
  order = new Int32Array(1024);
  n = 0;
  constructor(
    private readonly key: (slot: number) => number,
    private readonly id: (slot: number) => number,
  ) {}

  private before(a: number, b: number): boolean {
    const ka = this.key(a);
    const kb = this.key(b);
    return ka < kb || (ka === kb && this.id(a) < this.id(b));
  }

  /** First position whose slot does not come before `slot`. */
  private lowerBound(slot: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(this.order[mid]!, slot)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  rebuild(count: number): void {
    const slots = Array.from({ length: count }, (_, i) => i);
    slots.sort((a, b) => this.key(a) - this.key(b) || this.id(a) - this.id(b));
    if (this.order.length < count) this.order = new Int32Array(Math.max(count * 2, 1024));
    this.order.set(slots);
    this.n = count;
  }

  insert(slot: number): void {
    if (this.n === this.order.length) {
      const grown = new Int32Array(this.order.length * 2);
      grown.set(this.order);
      this.order = grown;
    }
    const at = this.lowerBound(slot);
    this.order.copyWithin(at + 1, at, this.n);
    this.order[at] = slot;
    this.n++;
  }

  /** Removes a slot; call while its key still holds the value it was inserted with. */
  remove(slot: number): void {
    const at = this.lowerBound(slot);
    if (this.order[at] !== slot) throw new Error(`ledger table: slot ${slot} is not where its key says`);
    this.order.copyWithin(at, at + 1, this.n);
    this.n--;
  }
}

export interface LedgerTableOptions {
  /** The units whose issues the first build scans (the org file's, read when it runs). */
  unitIds: () => readonly string[];
  /** Issues per scan round trip while building. */
  batch?: number;
}

export class LedgerTable {
  private cap = 0;
  private count = 0;
  private ids = new Int32Array(0);
  private units = new Uint16Array(0);
  private states = new Uint8Array(0);
  private created = new Float64Array(0);
  private deadlines = new Float64Array(0);
  private categories = new Uint16Array(0);
  private assignees = new Int32Array(0);
  private texts: string[] = [];
  private readonly slotOf = new Map<number, number>();
  private readonly unitNames = new Interned();
  private readonly categoryNames = new Interned();
  private readonly assigneeIds = new Interned();
  private readonly byAge = new SortedSlots((s) => this.created[s]!, (s) => this.ids[s]!);
  private readonly byDeadline = new SortedSlots((s) => this.deadlines[s]!, (s) => this.ids[s]!);
  /** The units whose issues were scanned: a unit the org gains later (/重新加载) is scanned when first seen. */
  private readonly scanned = new Set<string>();
  /** The newest audit stream entry applied; undefined until built. */
  private lastEntry: string | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** How the first build went, for the bench and the logs. */
  built: { issues: number; ms: number } | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly opts: LedgerTableOptions,
  ) {}

  get size(): number {
    return this.count;
  }

  /**
   * Brings the index up to the ledger as it is now: builds it the first time, else applies the
   * audit entries since the last seen. A call made while a refresh runs waits for the next one
   * (the running one may have read the stream before the caller's change), which every caller
   * arriving meanwhile shares.
   */
  fresh(): Promise<void> {
    // The queued refresh first: between the running one's end and the queued one's start a
    // caller would otherwise start a third, and two builds at once corrupt the sorted orders.
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<void> {
    const p = (this.lastEntry === undefined ? this.build() : this.widen().then(() => this.catchUp())).finally(() => {
      if (this.running === p) this.running = undefined;
    });
    this.running = p;
    return p;
  }

  async query(spec: TableSpec): Promise<TablePage> {
    await this.fresh();
    return this.page(spec);
  }

  /** The query on the index as it stands (no refresh). */
  page(spec: TableSpec): TablePage {
    const unitMask = new Uint8Array(this.unitNames.values.length);
    let anyUnit = false;
    for (const u of spec.unitIds) {
      const i = this.unitNames.find(u);
      if (i !== undefined) {
        unitMask[i] = 1;
        anyUnit = true;
      }
    }
    if (!anyUnit) return { total: 0, ids: [] };
    const f = spec.filter;
    let stateMask = 0;
    for (const s of f.states ?? ISSUE_STATES) stateMask |= 1 << STATE_INDEX.get(s)!;
    let category = -1;
    if (f.category !== undefined) {
      const c = this.categoryNames.find(f.category);
      if (c === undefined) return { total: 0, ids: [] };
      category = c;
    }
    const start = spec.range?.start ?? Number.NEGATIVE_INFINITY;
    const end = spec.range?.end ?? Number.POSITIVE_INFINITY;
    const overdue = f.overdue;
    const q = f.q;
    const id = f.id;
    // The units and people the search words name, as masks over the interned columns.
    const qUnits = this.maskOf(this.unitNames, f.qUnits);
    const qAssignees = this.maskOf(this.assigneeIds, f.qAssignees);
    const now = spec.now;
    const sorted = spec.sort === 'deadline' ? this.byDeadline : this.byAge;
    const order = sorted.order;
    const n = sorted.n;
    const from = spec.offset;
    const to = spec.offset + spec.limit;
    const ids: number[] = [];
    let total = 0;
    const desc = spec.order === 'desc';
    for (let k = 0; k < n; k++) {
      const s = order[desc ? n - 1 - k : k]!;
      if (id !== undefined && this.ids[s] !== id) continue;
      const unit = this.units[s]!;
      if (!unitMask[unit]) continue;
      const state = this.states[s]!;
      if (!((stateMask >> state) & 1)) continue;
      const c = this.created[s]!;
      if (c < start || c >= end) continue;
      if (category >= 0 && this.categories[s] !== category) continue;
      if (overdue !== undefined && (state === ASSIGNED && now > this.deadlines[s]!) !== overdue) continue;
      if (q !== undefined && !qUnits[unit] && !qAssignees[this.assignees[s]!] && !this.texts[s]!.includes(q)) continue;
      if (total >= from && total < to) ids.push(this.ids[s]!);
      total++;
    }
    return { total, ids };
  }

  /** 1 at the interned index of each value given (an empty mask for none). */
  private maskOf(names: Interned, values: readonly string[] | undefined): Uint8Array {
    const mask = new Uint8Array(names.values.length);
    for (const v of values ?? []) {
      const i = names.find(v);
      if (i !== undefined) mask[i] = 1;
    }
    return mask;
  }

  /** The stream position first (so nothing committed during the scan is missed), then every issue, then what changed meanwhile. */
  private async build(): Promise<void> {
    const started = performance.now();
    const last = await this.redis.xrevrange(this.keys.auditAll, '+', '-', 'COUNT', 1);
    const from = last[0]?.[0] ?? '0-0';
    const unitIds = this.opts.unitIds();
    for await (const batch of scanIssues(this.redis, this.keys, { unitIds, batch: this.opts.batch ?? 500 })) {
      for (const issue of batch) this.put(issue, false);
    }
    for (const u of unitIds) this.scanned.add(u);
    this.byAge.rebuild(this.count);
    this.byDeadline.rebuild(this.count);
    this.lastEntry = from;
    await this.catchUp();
    this.built = { issues: this.count, ms: performance.now() - started };
  }

  /**
   * The issues of units the org gained since the build (their issues may predate the stream
   * position: a unit removed and added back, a ledger imported before the reload), put in order.
   */
  private async widen(): Promise<void> {
    const missing = this.opts.unitIds().filter((u) => !this.scanned.has(u));
    if (!missing.length) return;
    for await (const batch of scanIssues(this.redis, this.keys, { unitIds: missing, batch: this.opts.batch ?? 500 })) {
      for (const issue of batch) this.put(issue, true);
    }
    for (const u of missing) this.scanned.add(u);
  }

  /**
   * The issues named by the audit entries after the last applied, read and put. The position
   * moves only once every put is done: a refresh that fails (a pipeline error, a row that does
   * not read) leaves it where it was, so the next refresh reads those issues again.
   */
  private async catchUp(): Promise<void> {
    const changed = new Set<number>();
    let last = this.lastEntry!;
    for (;;) {
      const entries = await this.redis.xrange(this.keys.auditAll, `(${last}`, '+', 'COUNT', STREAM_PAGE);
      for (const [entryId, fields] of entries) {
        for (let i = 0; i + 1 < fields.length; i += 2) {
          if (fields[i] === 'issue') {
            changed.add(Number(fields[i + 1]));
            break;
          }
        }
        last = entryId;
      }
      if (entries.length < STREAM_PAGE) break;
    }
    if (changed.size) {
      const ids = [...changed];
      const pipe = this.redis.pipeline();
      for (const id of ids) pipe.hmget(this.keys.issue(id), ...FIELDS);
      const res = (await pipe.exec()) ?? [];
      if (res.length !== ids.length) throw new Error(`ledger table: read ${res.length} of ${ids.length} changed issues`);
      // Every row read before any is put: a failure then leaves the index as it was.
      const rows = res.map(([err, values], i) => {
        if (err) throw err;
        const row = rowOf(values as (string | null)[]);
        return row && row.id === ids[i] ? row : undefined;
      });
      for (const row of rows) if (row) this.put(row, true);
    }
    this.lastEntry = last;
  }

  /** Writes an issue's columns (a new slot, or its own); `sorted`: keep the orders as it goes. */
  private put(issue: Row, sorted: boolean): void {
    let s = this.slotOf.get(issue.id);
    if (s === undefined) {
      s = this.count++;
      if (s >= this.cap) this.grow(Math.max(1024, this.cap * 2));
      this.slotOf.set(issue.id, s);
    } else if (sorted) {
      this.byAge.remove(s);
      this.byDeadline.remove(s);
    }
    this.ids[s] = issue.id;
    this.units[s] = this.unitNames.of(issue.unitId);
    this.states[s] = STATE_INDEX.get(issue.state)!;
    this.created[s] = issue.createdAt;
    this.deadlines[s] = issue.deadline ?? NO_DEADLINE;
    this.categories[s] = issue.category === undefined ? 0 : this.categoryNames.of(foldText(issue.category));
    this.assignees[s] = this.assigneeIds.of(issue.assignee);
    this.texts[s] = searchText(issue);
    if (sorted) {
      this.byAge.insert(s);
      this.byDeadline.insert(s);
    }
  }

  private grow(cap: number): void {
    const grow = <T extends Int32Array | Uint16Array | Uint8Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(cap);
      next.set(old);
      return next;
    };
    this.ids = grow(this.ids, (n) => new Int32Array(n));
    this.units = grow(this.units, (n) => new Uint16Array(n));
    this.states = grow(this.states, (n) => new Uint8Array(n));
    this.created = grow(this.created, (n) => new Float64Array(n));
    this.deadlines = grow(this.deadlines, (n) => new Float64Array(n));
    this.categories = grow(this.categories, (n) => new Uint16Array(n));
    this.assignees = grow(this.assignees, (n) => new Int32Array(n));
    this.cap = cap;
  }
}

/** An HMGET of FIELDS as the index's row; undefined for an issue that is not there. */
function rowOf(values: readonly (string | null)[]): Row | undefined {
  const [id, state, unitId, createdAt, deadline, category, description, fixNote, assignee] = values;
  if (id === null || id === undefined || !state || !unitId || !createdAt || description === null || description === undefined) return undefined;
  if (!STATE_INDEX.has(state)) throw new Error(`ledger table: issue #${id} has unknown state "${state}"`);
  const row: Row = { id: Number(id), state: state as IssueState, unitId, createdAt: Number(createdAt), description };
  if (deadline) row.deadline = Number(deadline);
  if (category) row.category = category;
  if (fixNote) row.fixNote = fixNote;
  if (assignee) row.assignee = assignee;
  return row;
}
