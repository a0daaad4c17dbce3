/**
 * An issue (问题) of the rectification ledger and its states (docs/design.md §3). Pure data: no WeCom,
 * no Redis. Times are epoch milliseconds.
 */
export const ISSUE_STATES = ['reported', 'assigned', 'submitted', 'closed', 'revisited', 'canceled'] as const;
export type IssueState = (typeof ISSUE_STATES)[number];

/** The words users see; every mutation's reply names the new one. */
export const STATE_WORDS: Record<IssueState, string> = {
  reported: '待交办',
  assigned: '整改中',
  submitted: '待核验',
  closed: '已销号',
  revisited: '已回访',
  canceled: '已撤销',
};

export const OPEN_STATES: readonly IssueState[] = ['reported', 'assigned', 'submitted'];

/** The file types kept as evidence (checked by their magic bytes, never by what the sender says). */
export const EVIDENCE_TYPES = ['jpeg', 'png', 'pdf'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

/**
 * Why a photo or file was not kept, for good (docs/design.md §6.6). `before-keeping`: an entry
 * recorded before duban downloaded evidence (only WeCom's long-expired link was noted);
 * `foreign-host`: the link was not https on a WeCom media host (EVIDENCE_MEDIA_HOSTS), so it was
 * never fetched; `storage`: downloaded (or not) but duban could not write or record it (disk,
 * Redis, the queue); `not-kept`: a record whose photos duban does not keep (走访, 典型经验).
 */
export const EVIDENCE_FAILURES = ['expired', 'refused', 'too-large', 'wrong-type', 'undecryptable', 'unreachable', 'before-keeping', 'foreign-host', 'storage', 'not-kept'] as const;
export type EvidenceFailure = (typeof EVIDENCE_FAILURES)[number];

/** The words people see for each failure (/查看, the dashboard). */
export const EVIDENCE_FAILURE_WORDS: Record<EvidenceFailure, string> = {
  expired: '下载链接已失效',
  refused: '企业微信拒绝了下载',
  'too-large': '文件超过 10 MB',
  'wrong-type': '不是 JPG、PNG 照片或 PDF 文件',
  undecryptable: '文件无法解密',
  unreachable: '多次下载失败',
  'before-keeping': '记录于保存照片功能上线之前，未保存',
  'foreign-host': '下载地址不是企业微信的，未下载',
  storage: '服务器保存失败',
  'not-kept': '此类记录不保存照片',
};

/** A kept file: named by its SHA-256 under DATA_DIR/evidence. */
export interface StoredEvidence {
  sha256: string;
  size: number;
  type: EvidenceType;
}

/**
 * One image or file of a message (docs/design.md §6.6): which message and which of its media, and
 * once the download job has finished, what became of it. No WeCom link or key: those live only
 * in the download job (they expire in minutes and the key is a secret). Neither outcome: saving.
 */
export interface Evidence {
  kind: 'image' | 'file' | 'video';
  msgid: string;
  /** The media's place in its message (0-based): (msgid, index) names the entry. */
  index: number;
  at: number;
  stored?: StoredEvidence;
  failed?: { reason: EvidenceFailure };
}

export interface DeadlineChange {
  from: number | null;
  to: number;
  reason: string;
  by: string;
  at: number;
}

export interface ExtensionRequest {
  to: number;
  reason: string;
  by: string;
  at: number;
}

export interface Issue {
  id: number;
  /** Bumped by every change; a write must name the version it read. */
  version: number;
  state: IssueState;
  unitId: string;
  teamIds: string[];
  description: string;
  category?: string;
  source?: string;
  reporter: string;
  assignee?: string;
  /** Everyone the issue was assigned to before the current assignee (none of them may verify it). */
  formerAssignees?: string[];
  /** The deadline in force. */
  deadline?: number;
  /** The chat the issue was reported in: replies and reminders go there. */
  homeChat: string;
  createdAt: number;
  assignedAt?: number;
  submittedAt?: number;
  closedAt?: number;
  revisitedAt?: number;
  canceledAt?: number;
  fixNote?: string;
  /** Who reported the fix in force (/整改's sender): someone else must verify it. */
  fixedBy?: string;
  evidence: Evidence[];
  rejectCount: number;
  rejectReasons: string[];
  relapseCount: number;
  deadlineChanges: DeadlineChange[];
  extensionRequest?: ExtensionRequest;
  /** How many extensions were asked for over the issue's life (capped, see limits). */
  extensionRequestCount?: number;
  verifyNote?: string;
  revisitNote?: string;
  cancelReason?: string;
  /** Set at 销号: the accepted fix was reported on or before the deadline in force (按期). */
  closedOnTime?: boolean;
  /** The department's task (/布置, 任务 #T3) this issue is one unit's share of (docs/design.md §4.15). */
  taskId?: number;
  /** The 巡查 round open for the unit when the issue was reported (docs/design.md §4.19). */
  roundId?: number;
  /** 完成效果: the verifier's grade at 销号, a word of policy.grades (docs/design.md §4.16). */
  grade?: string;
  /** 群众评价: what the villagers said at 回访, a word of policy.ratings (docs/design.md §4.16). */
  rating?: string;
}

/** 逾期 is derived, never stored: the clock runs only while the unit is rectifying. */
export function isOverdue(issue: Pick<Issue, 'state' | 'deadline'>, now: number): boolean {
  return issue.state === 'assigned' && issue.deadline !== undefined && now > issue.deadline;
}

export type Colour = 'red' | 'yellow' | 'green';
export const COLOUR_MARKS: Record<Colour, string> = { red: '🔴', yellow: '🟡', green: '🟢' };

/** 三色预警: 🔴 overdue, 🟡 due within yellowWithin, 🟢 otherwise; only while rectifying. */
export function colourOf(issue: Pick<Issue, 'state' | 'deadline'>, now: number, yellowWithinMs: number): Colour | undefined {
  if (issue.state !== 'assigned' || issue.deadline === undefined) return undefined;
  if (now > issue.deadline) return 'red';
  return issue.deadline - now <= yellowWithinMs ? 'yellow' : 'green';
}
