/**
 * Every size limit of the ledger in one place. Text limits are checked where the words are read
 * (the handlers, with an example); entry limits are checked by the lifecycle, so no sequence of
 * commands can make one issue grow without end (300 /延期 once made one issue hash 4.8 MB).
 * Lengths count characters (code points), as a person counts them.
 */

/** Free-text fields users type, and how long each may be. */
export const TEXT_LIMITS = {
  description: { label: '问题描述', max: 500 },
  fixNote: { label: '整改情况', max: 1000 },
  extendReason: { label: '延期理由', max: 200 },
  rejectReason: { label: '驳回原因', max: 200 },
  cancelReason: { label: '撤销原因', max: 200 },
  revisitNote: { label: '回访说明', max: 200 },
  verifyNote: { label: '核验意见', max: 200 },
  category: { label: '类别', max: 20 },
  source: { label: '来源', max: 20 },
} as const satisfies Record<string, { label: string; max: number }>;

export type TextField = keyof typeof TEXT_LIMITS;

/** Images (and files) one message may carry: WeCom's own limit for a picture message is 9. */
export const MEDIA_PER_MESSAGE = 9;

/** Entries one issue may collect over its whole life; past these the lifecycle refuses the step. */
export const ENTRY_LIMITS = {
  rejections: 50,
  deadlineChanges: 50,
  extensionRequests: 50,
  evidence: 50,
} as const;

export function charCount(text: string): number {
  return [...text].length;
}

/** "延期理由请控制在 200 字以内（现在 312 字）", or undefined when the text fits. */
export function tooLong(field: TextField, text: string): string | undefined {
  const { label, max } = TEXT_LIMITS[field];
  const n = charCount(text);
  return n > max ? `${label}请控制在 ${max} 字以内（现在 ${n} 字）` : undefined;
}

/** "一条消息最多附 9 张照片（这条有 99 张）…", or undefined when the count fits. */
export function tooManyMedia(count: number): string | undefined {
  return count > MEDIA_PER_MESSAGE
    ? `一条消息最多附 ${MEDIA_PER_MESSAGE} 张照片（这条有 ${count} 张），请挑选 ${MEDIA_PER_MESSAGE} 张以内重新发送`
    : undefined;
}
