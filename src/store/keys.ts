/**
 * Every Redis key duban writes, in one place, under one prefix (default "duban:"). Tests give
 * each run its own prefix.
 *
 * Redis Cluster: a script or transaction may only touch keys of one hash slot. The ledger
 * (issues, indexes, counters, deadlines, audit) changes in one Lua script, so its keys share the
 * hash tag `{ledger}`; BullMQ's keys share `{bull}` (its docs require a hash-tagged prefix). The
 * record of a processed callback lives there too: a command's commit, its reply record and its
 * follow-ups are one script (commit-once.lua), and the ledger's master takes that commit anyway.
 * The other busy single-key families — drafts, sent markers, rate windows, tick locks, generated
 * files — carry no tag and spread over every master.
 */
export interface Keys {
  prefix: string;
  /** Every ledger key starts with this (it carries the ledger's hash tag). */
  ledgerPrefix: string;
  /** BullMQ's prefix (hash-tagged). */
  bullPrefix: string;
  /** Processed callback, by sha1(msgid) (also the passive-reply stream id): pending or the reply (`{ledger}`). */
  message(streamId: string): string;
  /** Work after a reply (timers, pushes, evidence downloads), by "<issue>:<version>", score = due ms (`{ledger}`). */
  followUpsDue: string;
  /** The pushes and evidence orders of those follow-ups, same member → JSON (`{ledger}`). */
  followUpsData: string;
  /** District-wide issue id sequence. */
  issueSeq: string;
  issue(id: number): string;
  /**
   * What one issue's lists gained after 上报 (deadline changes, reject reasons, evidence; one
   * tagged JSON line each), appended to by the commit script, so the hash does not grow with them.
   */
  issueHistory(id: number): string;
  /** Every change of every issue (a stream), and of one issue (a list of JSON entries, for /查看). */
  auditAll: string;
  /** Rows of imported 台账s (npm run ledger -- import): row fingerprint → the issue it became. */
  importRows: string;
  audit(id: number): string;
  /** Sorted sets of issue ids (score = id, newest first when reversed). */
  byState(state: string): string;
  byUnit(unitId: string): string;
  byUnitState(unitId: string, state: string): string;
  byTeam(teamId: string): string;
  /** Open issues waiting on a person (assigned to them). */
  byAssignee(userid: string): string;
  /** Issues whose clock runs (整改中), score = deadline: district-wide (members "id") and per unit (members "YYYYMM:id"). */
  deadlines: string;
  unitDeadlines(unitId: string): string;
  /** The same per unit and discovery month (members "id"), so /status for a period reads only counts. */
  unitMonthDeadlines(unitId: string, month: string): string;
  /** Per-unit counters, fields "<bucket>:<counter>". */
  unitStats(unitId: string): string;
  /**
   * 百分量化考核: a change counter per unit and discovery month (field "YYYYMM"), bumped by every
   * commit of an issue (src/store/ledger-ops.ts), so a cached score knows when it is stale.
   */
  scoreEpoch(unitId: string): string;
  /** Score cache (derived, rebuilt when lost): a unit's issue ids by discovery month, its monthly partials and the issues behind them. */
  scoreDir(unitId: string): string;
  scorePart(unitId: string): string;
  scoreIds(unitId: string): string;
  /** Manual /加分 /扣分 entries (hash-tagged `{score}`: one entry changes with its index and audit together). */
  scoreEntrySeq: string;
  scoreEntry(n: number): string;
  /** Entry numbers by time (score = when). */
  scoreEntries: string;
  /** The department's audit of score entries: every /加分, /扣分 and /撤回加减分 (a stream). */
  scoreAudit: string;
  /** A half-filled command of one user in one chat. */
  draft(chatId: string, userId: string): string;
  /** Photos one user sent alone in one chat, waiting for their /整改 (minutes; src/pipeline/loose-photos.ts). */
  heldPhotos(chatId: string, userId: string): string;
  /** The issue of one user's /整改 in one chat in the last minutes: a photo sent next joins it. */
  recentFix(chatId: string, userId: string): string;
  /** A push that was delivered (its id), so a re-run job does not send it twice. */
  sent(pushId: string): string;
  /** Send times per destination, for the group robot's 20-a-minute limit. */
  rate(destination: string): string;
  /** The last /催办 push of an issue (one an hour); and one user's /催办 times (a few a minute). */
  remindOnce(issueId: number): string;
  remindRate(userId: string): string;
  /** Pushes to chats without a group-robot key (the demo): the terminal client reads them. */
  pushes: string;
  /**
   * Cards the terminal clients got in a group (a stream beside `pushes`, capped): every terminal
   * in that chat shows them and can click them, as a whole WeCom group sees a card. Written and
   * read by the terminal client only (src/cli/card-share.ts), never by the server.
   */
  chatCards: string;
  /**
   * The long connection's lease (WECOM_TRANSPORT=ws): the owner token of the one instance that
   * holds the bot's connection, with a short expiry it keeps renewing (by a hash of the bot id).
   */
  wsLease(botHash: string): string;
  /**
   * Chats that have messaged one bot over the long connection (by a hash of the bot id, one set
   * per chat type; member = chatid as WeCom spells it, score = ms of the latest message):
   * aibot_send_msg reaches only these.
   */
  wsChats(botHash: string, chatType: 'single' | 'group'): string;
  /** One lock per calendar tick, so several instances push a digest once. */
  tickLock(name: string, at: string): string;
  /** A generated file's metadata (status, name, size, expiry), read by every instance's download route. */
  exportFile(id: string): string;
  /** A file's media_id at one group robot (by a hash of its key), so a retried send does not upload again. */
  exportMedia(destination: string, id: string): string;
  /**
   * The department's own records (典型经验, 走访) and its audit share the hash tag `{dept}`: a
   * record, its indexes and its audit entry are written by one script.
   */
  deptPrefix: string;
  /** The department's audit: a stream of JSON entries { kind, actor, at, what } (field "entry"). */
  deptAudit: string;
  practiceSeq: string;
  /** One 典型经验 as JSON. */
  practice(id: number): string;
  /** Practice ids by time recorded (score = ms): district-wide and per unit. */
  practices: string;
  unitPractices(unitId: string): string;
  visitSeq: string;
  /** One 走访 (guidance visit) as JSON. */
  visit(id: number): string;
  /** Visit ids by visit time (score = ms): district-wide and per unit. */
  visits: string;
  unitVisits(unitId: string): string;
  /** Visits per unit (fields = unit ids) in a bucket: "all" or a month "YYYYMM", for coverage. */
  visitCounts(bucket: string): string;
  /** Each unit's latest visit (member = unit id, score = ms), for "not visited for a long time". */
  visitLast: string;
  /**
   * The department's tasks (/布置, docs/design.md §4.15) live in the ledger's slot: a task and the
   * issues it creates (one per unit) are written by one script.
   */
  taskSeq: string;
  /** One task as a hash. */
  task(id: number): string;
  /** Task ids by time created (score = ms). */
  tasks: string;
  /** A task's issue ids (score = id). */
  taskIssues(id: number): string;
  /** A task's issues per state (fields = states), kept by the commit script. */
  taskStats(id: number): string;
  /** A task's issues whose clock runs (score = deadline), for its overdue count. */
  taskDeadlines(id: number): string;
  /**
   * The task issues among a unit's running clocks (members "YYYYMM:id", as unitDeadlines), and
   * the same per discovery month (members "id"): /status counts its problems' 逾期 as the unit's
   * overdue less these, and the tasks' 逾期 from these alone (docs/design.md §4.10).
   */
  unitTaskDeadlines(unitId: string): string;
  /** Units that have had a task issue (score 0): /status reads task counters only for these. */
  taskUnits: string;
  unitMonthTaskDeadlines(unitId: string, month: string): string;
  /** A task's own audit: created, canceled (a list of JSON entries). */
  taskAudit(id: number): string;
  /** The task a message (by a hash of its msgid) made, so a re-sent /布置 makes none (7 days). */
  taskByMessage(messageHash: string): string;
  /** Issues reported during a 巡查 round (score = id), docs/design.md §4.19. */
  byRound(roundId: number): string;
  /** 巡查 rounds (`{dept}`): a round as JSON, round ids by start time, visits during a round. */
  roundSeq: string;
  round(id: number): string;
  rounds: string;
  roundVisits(id: number): string;
  /** The ids of the rounds open now (a set): /上报 and /走访 read it to tag what happens during one. */
  openRounds: string;
  /** 提醒约谈 records (`{dept}`, docs/design.md §4.17): one as JSON; ids by time, district-wide, per unit and per person. */
  talkSeq: string;
  talk(id: number): string;
  talks: string;
  unitTalks(unitId: string): string;
  personTalks(userid: string): string;
  /**
   * The organisation in force for every instance (/reload, SIGHUP, start-up; src/store/org-channel.ts):
   * a hash of the validated YAML, its hash, version, who and when; and its history (a capped stream).
   * Hash-tagged `{org}`: the script that writes them touches both.
   */
  orgCurrent: string;
  orgHistory: string;
  /** The pub/sub channel the current org's version and hash are announced on. */
  orgChanged: string;
  /** A dashboard sign-in link's token (by its sha256, so a key listing reveals no live token), consumed once. */
  signIn(tokenHash: string): string;
  /** A dashboard session (by a sha256 of its cookie value): userid and times, with a TTL. */
  session(idHash: string): string;
}

export function createKeys(prefix: string): Keys {
  const ledger = `${prefix}{ledger}:`;
  const dept = `${prefix}{dept}:`;
  return {
    prefix,
    ledgerPrefix: ledger,
    bullPrefix: `${prefix}{bull}`,
    message: (streamId) => `${ledger}msg:${streamId}`,
    followUpsDue: `${ledger}followups`,
    followUpsData: `${ledger}followups:data`,
    issueSeq: `${ledger}issue:seq`,
    issue: (id) => `${ledger}issue:${id}`,
    issueHistory: (id) => `${ledger}issue:${id}:history`,
    auditAll: `${ledger}audit`,
    importRows: `${ledger}import:rows`,
    audit: (id) => `${ledger}audit:${id}`,
    byState: (s) => `${ledger}idx:state:${s}`,
    byUnit: (u) => `${ledger}idx:unit:${u}`,
    byUnitState: (u, s) => `${ledger}idx:unit:${u}:${s}`,
    byTeam: (t) => `${ledger}idx:team:${t}`,
    byAssignee: (u) => `${ledger}idx:assignee:${u}`,
    deadlines: `${ledger}deadlines`,
    unitDeadlines: (u) => `${ledger}deadlines:${u}`,
    unitMonthDeadlines: (u, m) => `${ledger}deadlines:${u}:${m}`,
    unitStats: (u) => `${ledger}stats:${u}`,
    scoreEpoch: (u) => `${ledger}score:epoch:${u}`,
    scoreDir: (u) => `${prefix}score:dir:${u}`,
    scorePart: (u) => `${prefix}score:part:${u}`,
    scoreIds: (u) => `${prefix}score:ids:${u}`,
    scoreEntrySeq: `${prefix}{score}:entry:seq`,
    scoreEntry: (n) => `${prefix}{score}:entry:${n}`,
    scoreEntries: `${prefix}{score}:entries`,
    scoreAudit: `${prefix}{score}:audit`,
    draft: (c, u) => `${prefix}conv:${c}:${u}`,
    // One hash tag per chat and person: a script reads and writes both keys at once (a Cluster needs them in one slot).
    heldPhotos: (c, u) => `${prefix}photos:{${c}:${u}}:held`,
    recentFix: (c, u) => `${prefix}photos:{${c}:${u}}:fix`,
    sent: (id) => `${prefix}sent:${id}`,
    rate: (d) => `${prefix}rate:${d}`,
    remindOnce: (id) => `${prefix}remind:issue:${id}`,
    remindRate: (u) => `${prefix}remind:user:${u}`,
    pushes: `${prefix}pushes`,
    chatCards: `${prefix}chat-cards`,
    wsLease: (b) => `${prefix}ws:lease:${b}`,
    wsChats: (b, type) => `${prefix}ws:chats:${b}:${type}`,
    tickLock: (name, at) => `${prefix}tick:${name}:${at}`,
    exportFile: (id) => `${prefix}export:${id}`,
    exportMedia: (d, id) => `${prefix}export-media:${d}:${id}`,
    deptPrefix: dept,
    deptAudit: `${dept}audit`,
    practiceSeq: `${dept}practice:seq`,
    practice: (id) => `${dept}practice:${id}`,
    practices: `${dept}practices`,
    unitPractices: (u) => `${dept}practices:unit:${u}`,
    visitSeq: `${dept}visit:seq`,
    visit: (id) => `${dept}visit:${id}`,
    visits: `${dept}visits`,
    unitVisits: (u) => `${dept}visits:unit:${u}`,
    visitCounts: (b) => `${dept}visits:count:${b}`,
    visitLast: `${dept}visits:last`,
    taskSeq: `${ledger}task:seq`,
    task: (id) => `${ledger}task:${id}`,
    tasks: `${ledger}tasks`,
    taskIssues: (id) => `${ledger}task:${id}:issues`,
    taskStats: (id) => `${ledger}task:${id}:stats`,
    taskDeadlines: (id) => `${ledger}task:${id}:deadlines`,
    unitTaskDeadlines: (u) => `${ledger}task:deadlines:${u}`,
    taskUnits: `${ledger}task:units`,
    unitMonthTaskDeadlines: (u, m) => `${ledger}task:deadlines:${u}:${m}`,
    taskAudit: (id) => `${ledger}task:${id}:audit`,
    taskByMessage: (h) => `${ledger}task:msg:${h}`,
    byRound: (r) => `${ledger}idx:round:${r}`,
    roundSeq: `${dept}round:seq`,
    round: (id) => `${dept}round:${id}`,
    rounds: `${dept}rounds`,
    roundVisits: (id) => `${dept}visits:round:${id}`,
    openRounds: `${dept}rounds:open`,
    talkSeq: `${dept}talk:seq`,
    talk: (id) => `${dept}talk:${id}`,
    talks: `${dept}talks`,
    unitTalks: (u) => `${dept}talks:unit:${u}`,
    personTalks: (p) => `${dept}talks:person:${p}`,
    orgCurrent: `${prefix}{org}:current`,
    orgHistory: `${prefix}{org}:history`,
    orgChanged: `${prefix}org:changed`,
    signIn: (h) => `${prefix}signin:${h}`,
    session: (h) => `${prefix}session:${h}`,
  };
}

/**
 * An issue's keys as a read script builds them from its id: `issuePrefix + id`, and that plus
 * `historySuffix` (read-page.lua, read-report.lua). Checked here, so a change of the key layout
 * fails at start rather than reading the wrong keys.
 */
export function issueKeyLayout(keys: Pick<Keys, 'issue' | 'issueHistory'>): { issuePrefix: string; historySuffix: string } {
  const probe = keys.issue(0);
  if (!probe.endsWith(':0') || !keys.issueHistory(0).startsWith(probe)) throw new Error(`unexpected issue key layout ${probe}`);
  return { issuePrefix: probe.slice(0, -1), historySuffix: keys.issueHistory(0).slice(probe.length) };
}
