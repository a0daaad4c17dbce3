import { normalizeText } from '../parsing/normalize';

/**
 * What a message without a slash asks for, read from the loop's own words: help, what waits on
 * me, or a fix report ("12号已经整改好了，过期药品已清理", "#2 修好了"). Pure and conservative:
 * it names an intent only when the words say it, and says when the words hedge (a negation, a
 * question), so the router asks rather than acts.
 */
export type Intent =
  | { kind: 'help' }
  | { kind: 'mine' }
  | { kind: 'fix'; /** The issue named at the start of the message. */ ref: number | undefined; note: string; doubt: boolean }
  | { kind: 'unknown' };

const END = '[\\s,，.。!！?？~～]*';
const HELP = new RegExp(`^(?:帮助|帮忙|求助|怎么用|如何使用|怎么使用|使用说明|用法|菜单|命令|有哪些命令|help|\\?|？)${END}$`, 'iu');
const GREETING = new RegExp(`^(?:你好|您好|在吗|在不在|hi|hello|哈喽)${END}$`, 'iu');
const MINE = new RegExp(
  `^(?:我的|我的任务|我的问题|我的待办|待办|我有(?:哪些|什么|几个)(?:任务|问题|事|事情)?|我(?:要|该|需要)(?:办|做|整改)(?:什么|啥|哪些)|有我的(?:任务|问题)吗)${END}$`,
  'u',
);
/** Words that report a fix as done. */
const FIX_WORDS = /(整改|修好|修复|修补|修缮|维修|已修|处理好|处理完|已处理|已完成|完成了|已解决|解决了|已清理|清理完|清理干净|已更换|更换了|换好|已拆除|拆除了|搞定|弄好|办好|落实|已到位|到位了|已改|改好|已安装|已排干|已疏通|疏通了)/u;
/** A negation or a question: "1号还没整改好", "2号什么时候能修好？" — not a report. */
const DOUBT = /[没未不别?？]|无法|尚|还要|还需|吗|呢|什么|怎么|何时|多久|能否|是否|可否|几时|哪/u;
/**
 * The issue, named first: "#12", "12号", "第12号", "第12个问题", then punctuation. "N号" counts
 * only before words about the issue ("12号已经…"), never before a noun ("2号井盖已更换").
 */
const REF_FIRST = /^(?:#\s*(\d{1,9})(?!\d)|第?(\d{1,9})\s*号(?:问题)?(?=$|[\s,，.。、:：;；!！]|已|整改|修|处理|完成|办|还|没|未|尚|什么|怎么|何时|能|要)|第(\d{1,9})个问题)[\s,，.。、:：;；!！]*/u;

/** Whether words hedge: a negation or a question. Then duban asks rather than acts. */
export function hedges(text: string): boolean {
  return DOUBT.test(normalizeText(text));
}

/** Whether the words say a fix is done. */
export function saysFixed(text: string): boolean {
  return FIX_WORDS.test(normalizeText(text)) && !hedges(text);
}

export function readIntent(text: string): Intent {
  const raw = text.trim();
  const t = normalizeText(raw);
  if (!t) return { kind: 'unknown' };
  if (HELP.test(t) || GREETING.test(t)) return { kind: 'help' };
  if (MINE.test(t)) return { kind: 'mine' };
  if (!FIX_WORDS.test(t)) return { kind: 'unknown' };
  const doubt = hedges(t);
  const m = REF_FIRST.exec(t);
  if (!m) return { kind: 'fix', ref: undefined, note: raw, doubt };
  // The note is the text after the reference (the number never leaks into what is stored); cut
  // the user's own characters when normalising kept the lengths (it nearly always does).
  const src = raw.length === t.length ? raw : t;
  return { kind: 'fix', ref: Number(m[1] ?? m[2] ?? m[3]), note: src.slice(m[0].length).trim(), doubt };
}
