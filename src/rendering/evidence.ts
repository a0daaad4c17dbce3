import { EVIDENCE_FAILURE_WORDS, type Evidence, type EvidenceType } from '../domain/issue';

/**
 * The words for evidence photos and files, wherever they are shown (/查看, the photo page,
 * the dashboard, the audit note of an outcome): docs/design.md §6.6.
 */
export const EVIDENCE_KIND_WORDS: Record<Evidence['kind'], string> = { image: '照片', file: '文件', video: '视频' };
export const EVIDENCE_TYPE_WORDS: Record<EvidenceType, string> = { jpeg: 'JPG', png: 'PNG', pdf: 'PDF' };

/**
 * How long an entry may stay "saving" before it is shown as not kept. The download job gives up
 * within about 15 s of backoff and 4 × 30 s of transfers, and WeCom's link is dead after 5
 * minutes anyway; an entry still without an outcome after 15 minutes was lost by something the
 * job could not record (a worker killed twice, Redis gone at the moment of recording).
 */
export const SAVE_TIMEOUT_MS = 15 * 60_000;

/** "238 KB", "1.4 MB": the size as people read it. */
export function sizeWords(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "照片 2" — the entry's name by its place among the (1-based). */
export function evidenceLabel(e: Pick<Evidence, 'kind'>, n: number): string {
  return `${EVIDENCE_KIND_WORDS[e.kind]} ${n}`;
}

/** "JPG，238 KB". */
export function storedWords(stored: NonNullable<Evidence['stored']>): string {
  return `${EVIDENCE_TYPE_WORDS[stored.type]}，${sizeWords(stored.size)}`;
}

export type EvidenceState = { status: 'stored'; stored: NonNullable<Evidence['stored']> } | { status: 'saving' } | { status: 'failed'; words: string };

/** What became of an entry, as shown at `now`: saving past SAVE_TIMEOUT_MS reads as not kept. */
export function evidenceState(e: Evidence, now: number): EvidenceState {
  if (e.stored) return { status: 'stored', stored: e.stored };
  if (e.failed) return { status: 'failed', words: EVIDENCE_FAILURE_WORDS[e.failed.reason] };
  if (now - e.at > SAVE_TIMEOUT_MS) return { status: 'failed', words: '保存超时' };
  return { status: 'saving' };
}

/** "保存中" or "未保存（下载链接已失效）": an entry without a link. */
export function unsavedWords(state: Exclude<EvidenceState, { status: 'stored' }>): string {
  return state.status === 'saving' ? '保存中' : `未保存（${state.words}）`;
}
