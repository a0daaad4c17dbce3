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
  /** "5号", "12", "#13 怎么样了", "帮我看看5号": look an issue up (only reads). */
  | { kind: 'show'; ref: number }
  /** "查一下逾期的", "有哪些逾期": the overdue list (only reads). */
  | { kind: 'overdue' }
  /** "我要上报…", "帮我上报斑竹村路灯坏了": a report to confirm. */
  | { kind: 'report'; text: string }
  /** "延期到12月20日，材料没到", "#25 申请延期到12月20日 材料没到". */
  | { kind: 'extend'; ref: number | undefined; rest: string }
  /** "#7 核验通过": the team saying a fix holds. */
  | { kind: 'verify'; ref: number | undefined; note: string }
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
const FIX_WORDS = /(整改|修好|修复|修补|修缮|维修|已修|处理好|处理完|已处理|已完成|已经完成|完成了|完成自查|已自查|自查完|已补齐|补齐了|已上传|已解决|解决了|已清理|清理完|清理干净|已更换|更换了|换好|已拆除|拆除了|搞定|弄好|办好|落实|已到位|到位了|已改|改好|已安装|已排干|已疏通|疏通了)/u;
/**
 * A negation, a question or a plan: "1号还没整改好", "2号什么时候能修好？", "#17 正在整改",
 * "#2 明天修好" — not a report that the fix is done.
 */
const DOUBT = /[没未不别?？吧]|无法|尚|还要|还需|吗|呢|什么|怎么|何时|多久|能否|是否|可否|几时|哪|正在|准备|马上|即将|计划|安排|打算|尽快|争取|今天内|明天|后天|下周|月底前|前整改|前完成|快|一半|基本|差不多|应该|大概|估计|可能|部分/u;
/**
 * What says plainly that a fix is not done yet: a negation of the work, a question, a plan or a
 * day to come ("还没修好", "正在整改", "明天修", "下周完成", "能修好吗？"). Narrower than DOUBT: it
 * judges the answer to a 整改情况 the person was asked for, where the command is already said, so
 * the words of a done fix that merely hold 不, 安排, 基本 or 部分 ("闸阀已更换，不再漏水", "已安排专人
 * 值守", "基本恢复") are the note, as they are after a typed `/整改 #6`.
 */
const NOT_YET = new RegExp(
  [
    '还没|还未|尚未|尚没|仍未|仍没|暂未|暂时没|暂时还',
    '(?:没|未)(?:有)?(?:整改|修|处理|完成|解决|弄好|搞好|办好|到位|开始|动工|施工|落实)',
    '(?:没|未)到(?!位)',
    '不(?:整改|修|处理)',
    '(?:修|改|弄|办|做|搞|处理)不(?:了|好|完)',
    '无法',
    '还要|还需|还得|仍需|仍在|待(?:修|整改|处理|完成)',
    '正在|在修|准备|马上|即将|计划|打算|尽快|争取|(?<![很较])快(?:要)?(?:修|好了|完|整改|弄好|处理好|搞定)',
    '今天内|明天|明日|后天|下周|下星期|下个?月|月底前|过几天|过两天|改天|回头再|前(?:整改|完成|修好)',
    '一半',
    '[?？]|吗|什么时候|何时|多久|能否|是否|可否|几时|(?:吧|呢)[\\s,，.。!！~～]*$',
  ].join('|'),
  'u',
);

/** Whether the words say plainly that the fix is not done yet (an answer to 整改情况 that is none). */
export function saysNotYet(text: string): boolean {
  return NOT_YET.test(normalizeText(text));
}

/** An acknowledgement or an aside, never an answer to a question: "好的", "收到", "稍等". */
const ACK = /^(?:好的?|好滴|嗯+|哦+|噢|收到|知道了|明白|了解|ok|okay|稍等|等等|等一下|等会|一会儿|谢谢|多谢|不用了?|算了吧?|不要了?|什么意思|啥意思)[\s,，.。!！~～?？]*/iu;
const SHOW = /^(?:帮我)?(?:看看|看一下|查看|查查|查一下|查询)?\s*$/u;
const HOW_IS = /^(?:怎么样了?|进度|情况|什么情况|进展|到哪了|咋样了?)?[\s?？。!！]*$/u;
const OVERDUE = /^(?:帮我)?(?:查一下|查查|看看|看一下|有哪些|列出)?\s*(?:逾期|超期|过期)(?:的|未整改的|问题)*(?:有哪些|清单|列表)?[\s?？。!！]*$|^有哪些(?:逾期|超期)(?:的|问题)*[\s?？。!！]*$/u;
const REPORT = /^(?:我要|我想|帮我|请|要)?上报(?:一下|一个问题|个问题)?[\s:：,，]*([\s\S]*)$/u;
const EXTEND = /^(?:申请)?延期(?:到|至)?\s*([\s\S]+)$/u;
const VERIFY = /^(?:核验通过|验收通过|已核验|核验合格|验收合格|同意销号|可以销号)[\s,，。!！]*([\s\S]*)$/u;
/**
 * The issue, named first: "#12", "12号", "第12号", "第12个问题", then punctuation. "N号" counts
 * only before words about the issue ("12号已经…"), never before a noun ("2号井盖已更换").
 */
const REF_FIRST = /^(?:#\s*(\d{1,9})(?!\d)|第?(\d{1,9})\s*号(?:问题)?(?=$|[\s,，.。、:：;；!！]|已|整改|修|处理|完成|办|还|没|未|尚|什么|怎么|何时|能|要|明天|今天|后天|我|安排|正在|准备|马上|快|基本|应该|差不多)|第(\d{1,9})个问题)[\s,，.。、:：;；!！]*/u;

/** Whether words hedge: a negation or a question. Then duban asks rather than acts. */
export function hedges(text: string): boolean {
  return DOUBT.test(normalizeText(text));
}

/** Whether a message is an acknowledgement, an aside or addressed to someone else, not an answer. */
export function isAside(text: string): boolean {
  const t = normalizeText(text).trim();
  return ACK.test(t) || /^[@＠]/u.test(t);
}

/** Whether the words say a fix is done. */
export function saysFixed(text: string): boolean {
  return FIX_WORDS.test(normalizeText(text)) && !hedges(text);
}

/** A message that is a number and nothing else: "12", "12。". */
const BARE_NUMBER = /^(\d{1,9})[\s,，.。!！?？]*$/u;

/** "#5"/"5号"/"第5号" anywhere as a whole: "帮我看看5号" → 5. */
const REF_ALONE = /^(?:#\s*(\d{1,9})|第?(\d{1,9})\s*号(?:问题)?|第(\d{1,9})个问题)$/u;

export function readIntent(text: string): Intent {
  const raw = text.trim();
  const t = normalizeText(raw);
  if (!t) return { kind: 'unknown' };
  if (HELP.test(t) || GREETING.test(t)) return { kind: 'help' };
  if (MINE.test(t)) return { kind: 'mine' };
  if (OVERDUE.test(t)) return { kind: 'overdue' };
  // Cut the user's own characters when normalising kept the lengths (it nearly always does).
  const src = raw.length === t.length ? raw : t;
  const m = REF_FIRST.exec(t);
  const ref = m ? Number(m[1] ?? m[2] ?? m[3]) : undefined;
  const after = m ? src.slice(m[0].length).trim() : src;
  const afterNorm = m ? t.slice(m[0].length).trim() : t;

  // "5号", "#13 怎么样了", "帮我看看5号", "查看 #5"; a number alone ("12") as "12号": it only reads.
  if (ref !== undefined && HOW_IS.test(afterNorm)) return { kind: 'show', ref };
  const bare = BARE_NUMBER.exec(t);
  if (bare) return { kind: 'show', ref: Number(bare[1]) };
  const look = /^([\s\S]*?)\s*((?:#\s*\d{1,9})|(?:第?\d{1,9}\s*号(?:问题)?))[\s?？。!！]*$/u.exec(t);
  if (look && SHOW.test(look[1]!) && look[1]!.trim()) {
    const r = REF_ALONE.exec(look[2]!.replace(/\s+/gu, ''));
    if (r) return { kind: 'show', ref: Number(r[1] ?? r[2] ?? r[3]) };
  }
  const ext = EXTEND.exec(afterNorm);
  if (ext) return { kind: 'extend', ref, rest: src.slice(src.length - ext[1]!.length).trim() };
  const ver = VERIFY.exec(afterNorm);
  if (ver) return { kind: 'verify', ref, note: after };
  const rep = REPORT.exec(t);
  if (rep && ref === undefined) return { kind: 'report', text: src.slice(src.length - rep[1]!.length).trim() };
  if (!FIX_WORDS.test(t)) return { kind: 'unknown' };
  // The note is the text after the reference: the number never leaks into what is stored.
  return { kind: 'fix', ref, note: after, doubt: hedges(t) };
}
