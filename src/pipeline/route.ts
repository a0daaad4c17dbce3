import type { Membership } from '../domain/org';
import { mayUse } from '../domain/visibility';
import { normalizeText } from '../parsing/normalize';
import { clipForReply } from '../rendering/clip';
import type { Draft } from '../store/draft-store';
import type { Command } from './command';
import type { DraftField } from './errors';
import { hedges, isAside, readIntent, saysFixed, saysNotYet, type Intent } from './intents';
import { displayName, type CommandRegistry } from './registry';

/**
 * The route stage: what a message asks for, decided from its text alone (no Redis, no clock), so
 * every phrasing people use can be unit-tested. A command with the text it gets, or a reply to
 * give at once. Forgiving, never reckless: a close command word runs only when exactly one
 * command is close, and says so; no-slash text acts only when the intent and the issue are named.
 */
export type Route =
  | {
      kind: 'command';
      command: Command;
      text: string;
      /** The message answers a half-filled command (a draft). */
      continuing: boolean;
      /** The command as the user wrote it, for refusals ("/status"). */
      typed: string;
      /** Said before the reply when duban read the message loosely: "（已按 /销号 处理）". */
      note?: string;
    }
  | { kind: 'reply'; reply: string; outcome: string };

export interface RouteInput {
  /** The text with the bot's and other foreign leading @mentions removed. */
  text: string;
  sender: Membership;
  /** The issue named in a quoted bot message. */
  quotedRef?: number;
  /** The sender's half-filled command in this chat, when the text may answer it. */
  draft?: Draft;
  /** Whether a word names a unit of the organisation (for "斑竹村 路灯坏了" → /上报). */
  isUnit?: (word: string) => boolean;
}

const PUNCT = '[,，.。、:：;；!！?？~～…]';
/** A command word runs up to the first reference, digit or punctuation mark ("销号#2", "我的。"). */
const HEAD = new RegExp(`^([^#\\d,，.。、:：;；!！?？~～…]+)([#\\d,，.。、:：;；!！?？~～…][\\s\\S]*)$`, 'u');
const LEADING_PUNCT = new RegExp(`^${PUNCT}+`, 'u');
const TRAILING_PUNCT = new RegExp(`${PUNCT}+$`, 'u');
/** Without the slash, a command word ends only at "#" or punctuation, never at a digit ("通过3号的…"). */
const PLAIN_HEAD = /^([^#\d,，.。、:：;；!！?？~～…]+)([#,，:：;；。!！][\s\S]*)$/u;
/**
 * …except at an issue number that ends the word, or is ended by punctuation: "销号12", "销号12号",
 * "驳回12，照片不清", never "通过3号的反馈看" or "核验12号问题的照片" (the number runs into words).
 */
const PLAIN_REF = /^([^#\d０-９,，.。、:：;；!！?？~～…]+)([0-9０-９]{1,9})号?(?:([,，:：;；。!！][\s\S]*))?$/u;

/** "/帮助 我是谁" → word "帮助" and the rest. Undefined when the text is not a command. */
export function splitCommand(text: string): { word: string; rest: string } | undefined {
  const m = /^[/／]\s*(\S+)\s*([\s\S]*)$/u.exec(text.trim());
  if (!m) return undefined;
  return { word: m[1]!, rest: m[2]!.trim() };
}

/**
 * The first "#12" in a quoted bot message. "典型 #3" names a 典型经验, not issue 3: quoting a
 * practice card and writing /销号 must not close issue 3.
 */
export function refIn(text: string): number | undefined {
  const norm = normalizeText(text.slice(0, 2000));
  for (const m of norm.matchAll(/#(\d{1,9})/gu)) {
    if (/典型(?:经验)?\s*$/u.test(norm.slice(Math.max(0, m.index - 8), m.index))) continue;
    return Number(m[1]);
  }
  return undefined;
}

/**
 * The command text once the answer is added: an issue number goes first, where the grammar
 * reads references ("12" or "12号" becomes "#12"); a 群众评价 as its field (评价:满意); anything
 * else is appended.
 */
export function continueDraft(field: DraftField, draftText: string, answer: string): string {
  if (field === 'ref') {
    const m = /^[#＃]?\s*(\d{1,9})\s*号?[\s,，.。!！]*$/u.exec(normalizeText(answer).trim());
    return `${m ? `#${m[1]}` : answer} ${draftText}`.trim();
  }
  if (field === 'rating') {
    // The answer is the 群众评价 (/回访 asked for it): as the field, so it is read strictly and asked once.
    const word = answer.trim().replace(/^(?:群众评价|满意度|评价|群众)[:：\s]*/u, '');
    return `${draftText} 评价:${word}`.trim();
  }
  return `${draftText} ${answer}`.trim();
}

/** The user's words inside a suggested command: one line, no code marks, not too long. */
function prefill(text: string): string {
  return clipForReply(text.replace(/[`\r\n\u2028\u2029]+/gu, ' ').replace(/\s+/gu, ' ').trim(), 60);
}

function join(...parts: string[]): string {
  return parts.map((p) => p.trim()).filter(Boolean).join(' ');
}

/** A word split into a leading command word and what is glued to it, when it is glued. */
function splitHead(word: string): { head: string; tail: string } | undefined {
  const m = HEAD.exec(word);
  if (!m) return undefined;
  return { head: m[1]!, tail: m[2]!.replace(LEADING_PUNCT, '') };
}

type Found =
  | { command: Command; rest: string; /** Read loosely (a close word, not the exact one). */ near: boolean }
  | { offer: Command[]; rest: string }
  | undefined;

/** The command a typed word (after a slash) names, exactly or closely, and the text glued after it. */
function findWord(commands: CommandRegistry, word: string, rest: string): Found {
  const exact = commands.find(word);
  if (exact) return { command: exact, rest, near: false };
  const split = splitHead(word);
  if (split) {
    const c = commands.find(split.head);
    if (c) return { command: c, rest: join(split.tail, rest), near: false };
  }
  const glued = commands.splitGlued(word);
  if (glued) return { command: glued.command, rest: join(glued.rest, rest), near: false };
  const head = split?.head ?? word;
  const tail = split ? join(split.tail, rest) : rest;
  const closely = (c: Command, sameSound: boolean, text: string): Found =>
    // Same sound (the IME slip) or a read: act on it. Another near word for a write: offer it.
    sameSound || c.effects === 'reads' ? { command: c, rest: text, near: true } : { offer: [c], rest: text };
  const r = commands.resolve(head);
  if (r.kind === 'near') return closely(r.command, r.sameSound, tail);
  if (r.kind === 'ambiguous') return { offer: r.commands, rest: tail };
  // A mistyped command word glued to its text: "上抱斑竹村路灯不亮".
  if (/^\p{Script=Han}{4,}/u.test(head)) {
    for (const n of [3, 2]) {
      const p = commands.resolve(head.slice(0, n));
      if (p.kind === 'near') return closely(p.command, p.sameSound, join(head.slice(n), tail));
    }
  }
  return undefined;
}

/**
 * A command word said without the slash: only the whole first word ("销号 #8 …", "我的。"), or a
 * word ended by "#" or a punctuation mark ("驳回，照片不清楚"); never a sentence that merely starts
 * with one ("通过3号的反馈看…", "核验12号问题的照片").
 */
function plainWord(commands: CommandRegistry, first: string, rest: string): { command: Command; rest: string } | undefined {
  const exact = commands.find(first.replace(TRAILING_PUNCT, ''));
  if (exact) return { command: exact, rest };
  const m = PLAIN_HEAD.exec(first);
  const c = m ? commands.find(m[1]!) : undefined;
  if (c) return { command: c, rest: join(m![2]!.replace(LEADING_PUNCT, ''), rest) };
  // "销号12" reads as "销号 12", for a command that acts on an issue only ("清单2" stays unread).
  const r = PLAIN_REF.exec(first);
  const byRef = r ? commands.find(r[1]!) : undefined;
  if (!r || !byRef?.takesIssue) return undefined;
  return { command: byRef, rest: join(`#${Number(normalizeText(r[2]!))}`, (r[3] ?? '').replace(LEADING_PUNCT, ''), rest) };
}

function offerReply(offer: Command[], rest: string, ref?: number): Route {
  const options = offer.map((c) => `\`${join(displayName(c), ref !== undefined ? `#${ref}` : '', prefill(rest))}\``);
  if (options.length === 1) return { kind: 'reply', reply: `❓ 是要这样吗？请直接发送：\n${options[0]}`, outcome: 'offered_command' };
  return { kind: 'reply', reply: `❓ 你是想用哪个命令？请直接发送其中一条：\n${options.join('\n')}`, outcome: 'ambiguous_command' };
}

/**
 * A command said plainly acts when it only reads, or when the words do not hedge; else it is
 * offered. Never offered to someone it would refuse: the command runs and says who may (it
 * writes nothing), rather than a suggestion that ends in a refusal (docs/design.md §4.11).
 */
function plainCommand(c: Command, sender: Membership, rest: string, fullText: string, ref?: number): Route {
  if (c.roles !== 'anyone' && !c.roles.some((r) => sender.roles.includes(r))) return command(c, rest, displayName(c));
  // A write to many units is never run from loose words: offered as the exact command.
  if (c.broadcasts) {
    return { kind: 'reply', reply: `❓ 要布置任务吗？请发送：\n\`${join(displayName(c), prefill(rest) || '<任务内容> 期限:<日期> 范围:<镇街|类别|单位>')}\``, outcome: 'offered_command' };
  }
  if (c.effects !== 'reads' && hedges(fullText)) {
    // Never offer the hedged words themselves as a fix or a close: "整改 #40 没有完成".
    const named = ref ?? refOf(rest);
    if (c.name === 'fix' && named !== undefined) return notDoneYet(named, prefill(rest.replace(/^[#＃]?\s*\d{1,9}\s*号?\s*/u, '')));
    if (c.name === 'verify') return offerReply([c], named !== undefined ? '' : '#编号', named);
    return offerReply([c], rest, ref);
  }
  return command(c, rest, displayName(c));
}

/** The issue a plain command's text names first ("#40 没有完成" → 40). */
function refOf(rest: string): number | undefined {
  const m = /^[#＃]?\s*(\d{1,9})\s*号?(?!\d)/u.exec(normalizeText(rest).trim());
  return m ? Number(m[1]) : undefined;
}

function command(c: Command, text: string, typed: string, near = false, continuing = false): Route {
  return { kind: 'command', command: c, text, continuing, typed, ...(near ? { note: `（已按 ${displayName(c)} 处理）` } : {}) };
}

export function route(input: RouteInput, commands: CommandRegistry): Route {
  const { text, sender, quotedRef, draft } = input;
  const split = splitCommand(text);
  if (split) {
    const found = findWord(commands, split.word, split.rest);
    // A guess is offered only when the sender may use it: "是不是 /看板" to a 村书记 ends in a refusal.
    const offer = found && 'offer' in found ? found.offer.filter((c) => mayUse(c.roles, sender)) : [];
    if (found && 'offer' in found && offer.length) return offerReply(offer, found.rest);
    if (found && !('offer' in found)) return command(found.command, found.rest, found.near ? displayName(found.command) : `/${clipForReply(split.word, 12)}`, found.near);
    const near = commands.suggest(split.word).filter((c) => mayUse(c.roles, sender)).map(displayName);
    return {
      kind: 'reply',
      reply: `⚠️ 没有 /${prefill(clipForReply(split.word))} 这个命令。${near.length ? `你是不是想用 ${near.join(' ')}？` : ''}发送 \`/帮助\` 查看常用命令。`,
      outcome: 'unknown_command',
    };
  }

  const [first = '', ...more] = text.split(/\s+/u);
  const restWords = more.join(' ');
  const intent = readIntent(text);

  if (quotedRef !== undefined) {
    // "驳回 照片不清楚" quoting #12: a command word without the slash.
    const named = first ? plainWord(commands, first, restWords) : undefined;
    if (named) return plainCommand(named.command, sender, named.rest, text, quotedRef);
    if (intent.kind === 'help' || intent.kind === 'mine') return command(commands.find(intent.kind)!, '', displayName(commands.find(intent.kind)!));
    if (intent.kind === 'extend' && sender.roles.includes('secretary')) return command(commands.find('extend')!, intent.rest, '/延期', true);
    // A secretary quoting the assignment and writing what was done reports the fix.
    if (text && sender.roles.includes('secretary')) {
      if (saysFixed(text)) return command(commands.find('fix')!, text, '/整改');
      if (intent.kind === 'fix') return notDoneYet(quotedRef, prefill(text));
      // "收到", "好的，马上安排": an acknowledgement, not a report.
      return {
        kind: 'reply',
        reply: `收到。#${quotedRef} 整改好以后，引用交办消息写明整改情况即可（可附照片），或发送：\`/整改 #${quotedRef} 整改情况\``,
        outcome: 'quote_ack',
      };
    }
    return {
      kind: 'reply',
      reply: `⚠️ 回复 #${quotedRef} 时请写明要做什么，例如：\`/销号\`、\`/驳回 照片看不清闸阀\` 或 \`/查看\`。`,
      outcome: 'quote_without_command',
    };
  }

  if (draft && text) {
    // "取消" / "算了" drop the draft even without the slash; "帮助" and "我的" are not answers.
    const cancel = commands.find(text.replace(LEADING_PUNCT, '').replace(TRAILING_PUNCT, ''));
    if (cancel?.name === 'cancel') return command(cancel, '', '/取消');
    if (intent.kind === 'help' || intent.kind === 'mine') return command(commands.find(intent.kind)!, '', displayName(commands.find(intent.kind)!));
    // Another command said plainly ("驳回 19" while 整改 waits) is that command, not the answer.
    const other = plainWord(commands, first, restWords);
    if (other && other.command.name !== draft.command) return plainCommand(other.command, sender, other.rest, text);
    const c = commands.find(draft.command);
    if (c) {
      const answersNumber = draft.field === 'ref' && /^[#＃]?\s*\d{1,9}\s*号?[\s,，.。!！]*$/u.test(normalizeText(text).trim());
      // "好的", "稍等，我确认一下", "什么意思？", "不用了", "@罗志刚 这个怎么弄": not an answer.
      if (!answersNumber && isAside(text)) {
        const pending = `${displayName(c)} ${prefill(draft.text)}`.trim();
        return {
          kind: 'reply',
          reply: `❓ 这条不像是对上一条 \`${pending}\` 的回答，没有提交。要补充就直接回复内容；发送“算了”放弃。`,
          outcome: 'draft_not_answered',
        };
      }
      // The 整改情况 asked for (after 已整改 or a bare /整改 #6): the command is said, so the answer is
      // taken as the typed command takes it; only words that say the fix is not done yet are not a
      // fix (docs/design.md §4.6), and the exact command with them is offered in case they are.
      if (draft.field === 'note' && draft.command === 'fix' && saysNotYet(text)) return fixNotYet(c, draft, text);
      return command(c, continueDraft(draft.field, draft.text, text), displayName(c), false, true);
    }
  }

  if (!text) return { kind: 'reply', reply: '您好，我是督办助手。直接说“帮助”或“我的”，或发送 `/帮助` 查看常用命令。', outcome: 'not_command' };
  return readPlain(input, commands, intent, first, restWords);
}

/** A message without a slash: a command word said plainly, or one of the loop's intents. */
function readPlain(input: RouteInput, commands: CommandRegistry, intent: Intent, first: string, restWords: string): Route {
  const { text, sender } = input;
  if (intent.kind === 'help') return command(commands.find('help')!, '', '/帮助');
  if (intent.kind === 'mine') return command(commands.find('mine')!, '', '/我的');
  // "销号 #8 现场核验无误", "我的。": the command word itself, only without the slash.
  const named = plainWord(commands, first, restWords);
  if (named) return plainCommand(named.command, sender, named.rest, text);
  const team = sender.roles.some((r) => r === 'member' || r === 'leader' || r === 'admin');
  const secretaryOnly = sender.roles.includes('secretary') && !team;
  // Looking things up only reads: do it.
  if (intent.kind === 'show') return command(commands.find('show')!, `#${intent.ref}`, '/查看');
  if (intent.kind === 'overdue') return command(commands.find('list')!, '逾期', '/清单');
  if (intent.kind === 'report') return offerReply([commands.find('report')!], intent.text || '单位 问题描述');
  if (intent.kind === 'extend') {
    // A secretary's 延期 is a request the team still approves; the team's own is offered.
    if (intent.ref !== undefined && secretaryOnly) return command(commands.find('extend')!, `#${intent.ref} ${intent.rest}`, '/延期', true);
    return offerReply([commands.find('extend')!], intent.rest, intent.ref);
  }
  if (intent.kind === 'verify' && team) return offerReply([commands.find('verify')!], intent.note, intent.ref);
  if (intent.kind === 'fix' && intent.ref !== undefined && team && intent.doubt) {
    // "#3 还没整改到位" from the team: a rejection or a reminder, not a fix.
    return {
      kind: 'reply',
      reply: `❓ 要做哪一步？请直接发送其中一条：\n\`/驳回 #${intent.ref} ${prefill(intent.note)}\`（整改不到位，退回）\n\`/催办 #${intent.ref}\`（催促责任人）`,
      outcome: 'plain_doubt_by_team',
    };
  }
  if (intent.kind === 'fix') {
    const note = prefill(intent.note) || '整改情况';
    if (intent.ref === undefined) {
      return {
        kind: 'reply',
        reply: `❓ 是哪个问题的整改？请带上编号发送：\`/整改 #编号 ${note}\`\n发送“我的”可以查看你的问题编号。`,
        outcome: 'fix_without_ref',
      };
    }
    // Only the units' people report fixes in their own words, and only when the words say it is done.
    if (secretaryOnly) return intent.doubt ? notDoneYet(intent.ref, note) : command(commands.find('fix')!, `#${intent.ref} ${intent.note}`, '/整改', true);
    return {
      kind: 'reply',
      reply: `❓ 要做哪一步？请直接发送其中一条：\n\`/整改 #${intent.ref} ${note}\`（反馈整改）\n\`/销号 #${intent.ref}\`（核验销号）`,
      outcome: 'plain_fix_by_team',
    };
  }
  if (input.isUnit?.(first) && team) {
    return { kind: 'reply', reply: `❓ 要上报这个问题吗？请发送：\`/上报 ${prefill(text)}\``, outcome: 'plain_report' };
  }
  // The example is one the sender's roles allow: a unit's secretary reports fixes, the team looks up.
  const example = secretaryOnly ? '/整改 #12 已修好' : '/查看 #12';
  return {
    kind: 'reply',
    reply: `⚠️ 没有看懂这条消息。可以直接说“帮助”“我的”，或发送命令，例如 \`/帮助\`、\`${example}\`。`,
    outcome: 'not_command',
  };
}

/** An answer to /整改's question that says the fix is not done: not submitted; the exact command offered. */
function fixNotYet(c: Command, draft: Draft, text: string): Route {
  const ref = refOf(draft.text) ?? draft.quotedRef;
  const target = ref !== undefined ? `#${ref}` : prefill(draft.text);
  const words = prefill(text);
  const extend = ref !== undefined ? `\n还没整改好的话，可以申请延期：\`/延期 #${ref} 新期限 理由\`` : '';
  return {
    kind: 'reply',
    reply: `❓ 这条读起来还没整改好，没有提交。整改好以后直接回复整改情况即可（可附照片）；这条就是整改情况的话，请发送：\n\`${join(displayName(c), target, words)}\`${extend}\n发送“算了”放弃。`,
    outcome: 'fix_not_yet',
  };
}

/** "3号还没修好，配件没到": not done yet — an extension, or the fix once it is done. */
function notDoneYet(ref: number, note: string): Route {
  return {
    kind: 'reply',
    reply: `❓ 还没整改好的话，可以申请延期：\n\`/延期 #${ref} 新期限 ${note}\`\n整改好以后再发：\`/整改 #${ref} 整改情况\`（可附照片）`,
    outcome: 'plain_not_done',
  };
}
