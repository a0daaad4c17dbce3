import { normalizeText } from './normalize';

/**
 * The argument grammar of docs/design.md §4, after the command word: issue references (#12, ＃12, 12号),
 * fields (key:value or key：value, value quoted with “…” or "…" when it has spaces), @mentions,
 * and the remaining words. Matching uses normalised text; the remaining text keeps what the user
 * typed (descriptions are stored in their own words).
 */
export const FIELD_KEYS = {
  期限: 'deadline',
  截止: 'deadline',
  截止日期: 'deadline',
  责任人: 'assignee',
  单位: 'unit',
  类别: 'category',
  类型: 'category',
  来源: 'source',
  // /布置 and /巡查 开始: which units (全区, a town, a kind, units); docs/design.md §4.15.
  范围: 'scope',
  // /销号 效果:好 and /回访 评价:满意 (docs/design.md §4.16).
  效果: 'grade',
  完成效果: 'grade',
  评价: 'rating',
  群众评价: 'rating',
  满意度: 'rating',
  // English keys, for people who type them: `deadline:3d`, `due:5/1`.
  deadline: 'deadline',
  due: 'deadline',
  assignee: 'assignee',
  unit: 'unit',
  category: 'category',
  source: 'source',
  scope: 'scope',
  grade: 'grade',
  rating: 'rating',
} as const;
export type FieldName = (typeof FIELD_KEYS)[keyof typeof FIELD_KEYS];

export interface Token {
  /** As typed (quotes removed). */
  raw: string;
  /** Normalised for matching. */
  norm: string;
}

export interface ParsedArgs {
  /** Issue references written before the first word. */
  refs: number[];
  fields: Partial<Record<FieldName, string>>;
  /** Names after @ (as typed), in order. */
  mentions: string[];
  /** Everything else, in order. */
  words: Token[];
  /** Fields with a key we do not know, to report. */
  unknownFields: string[];
}

/**
 * An issue reference at the start of a token, in every form people write: `#5`, `＃5` (folded
 * to `#`), `5号`, `第5号`, `5号问题`, `第5号问题`, `第5个问题`. Punctuation right after it belongs to
 * the reference (`#5，村道已修补。`), and what follows is the next word (`#2修好了`). `12号` glued
 * to more text is a reference only before words that report or ask about an issue (`12号已经整改好了`),
 * never before a noun (`12号楼`).
 */
const REF_AT_START = /^(?:#\s*(\d{1,9})(?!\d)|第?(\d{1,9})\s*号(?:问题)?(?=$|[\s,，.。、:：;；!！?？]|已|整改|修|处理|完成|办)|第(\d{1,9})个问题)[\s,，.。、:：;；!！?？]*/u;
/** Options the command gives the grammar. */
export interface ParseOptions {
  /**
   * The command takes an issue: a bare number as its first word is the issue (`/销号 2`,
   * `/整改 8 路面积水已排干`).
   */
  bareRef?: boolean;
}
const BARE_REF = /^(\d{1,9})(?![\d.:/月日号天周个小分处盏条项次件户人家台米块根座间])[\s,，.。、:：;；!！?？]*/u;
/** A count's measure word: "/整改 3 处路灯已修好" counts lamps, it does not name #3. */
const MEASURE_NEXT = /^(?:处|个|盏|条|项|次|件|户|人|家|台|米|块|根|座|间|天|分钟|小时|周|月|日|号|%|[a-z])/iu;
/** A duration's unit written as its own word after the number. */
const DURATION_UNIT = /^(?:天内?|日内|周内?|个?小时内?|分钟内?|个?工作日内?|个月内?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|workdays?)$/iu;
/** The quote marks of the grammar: each opening mark and the mark that closes it. */
const QUOTES: ReadonlyMap<string, string> = new Map([
  ['“', '”'],
  ['"', '"'],
  ['「', '」'],
]);

/**
 * Splits on whitespace, keeping quoted runs (with their key, as in 类别:"环境 整治") together. An
 * opening mark without its closing mark stays as typed.
 */
export function splitTokens(text: string): string[] {
  const tokens: string[] = [];
  // Where each closing mark next occurs (-1: none left), found with indexOf and reused until the
  // scan passes it, so the text is searched at most once per kind of mark. Retrying a regex at
  // every opening mark rescanned to the end for each unclosed “: quadratic, and 60 000 of them
  // blocked the event loop for seconds.
  const nextClose = new Map<string, number>();
  let current = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/u.test(ch)) {
      if (current) tokens.push(current);
      current = '';
      i++;
      continue;
    }
    const close = QUOTES.get(ch);
    if (close !== undefined) {
      let at = nextClose.get(close);
      if (at === undefined || (at !== -1 && at <= i)) {
        at = text.indexOf(close, i + 1);
        nextClose.set(close, at);
      }
      if (at !== -1) {
        current += text.slice(i + 1, at);
        i = at + 1;
        continue;
      }
    }
    current += ch;
    i++;
  }
  if (current) tokens.push(current);
  return tokens;
}

/**
 * A deadline key inside a token, as people type it on a phone: "路灯坏了，期限:3天",
 * "斑竹村路灯坏了期限3天", "限期3天内". Only before something that starts like a date, so
 * "超过期限" stays a word.
 */
const GLUED_DEADLINE = /(期限|截止日期|截止|限期)[:：]?\s*(?=[\d一二两三四五六七八九十今明后下本这月年国春元五中端清周星])/u;

/** Splits a deadline key off the words it is glued to, and writes it as "期限:<value>". */
function splitGluedDeadlines(tokens: string[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const m = GLUED_DEADLINE.exec(token);
    if (!m || (m.index === 0 && /[:：]/u.test(m[0]))) {
      out.push(token);
      continue;
    }
    const before = token.slice(0, m.index).replace(/[，,；;、。\s]+$/u, '');
    const value = token.slice(m.index + m[0].length).replace(/[。.!！]+$/u, '');
    if (before) out.push(before);
    out.push(`期限:${value}`);
  }
  return out;
}

export function parseArgs(text: string, options: ParseOptions = {}): ParsedArgs {
  const out: ParsedArgs = { refs: [], fields: {}, mentions: [], words: [], unknownFields: [] };
  const tokens = splitGluedDeadlines(splitTokens(text));
  for (let i = 0; i < tokens.length; i++) {
    let raw = tokens[i]!;
    let norm = normalizeText(raw);
    // Only references before the first word name the issue: "/撤销 #12 重复上报，同 #9" keeps #9 in the reason.
    if (out.words.length === 0) {
      const first = out.refs.length === 0;
      let ref = REF_AT_START.exec(norm);
      // After the issue, "3号井盖已更换" is text; only a whole "15号" token is another reference
      // (/延期 reads it as a day).
      if (ref && !first && ref[1] === undefined && ref[0].length !== norm.length) ref = null;
      if (!ref && first && options.bareRef) {
        ref = BARE_REF.exec(norm);
        const next = tokens[i + 1];
        if (ref && ref[0].length === norm.length && next !== undefined && MEASURE_NEXT.test(normalizeText(next))) ref = null;
      }
      if (ref) {
        out.refs.push(Number(ref[1] ?? ref[2] ?? ref[3]));
        const rest = restAfter(raw, norm, ref[0].length);
        if (!rest) continue;
        // "#2修好了": the rest of the token is the next word.
        raw = rest;
        norm = normalizeText(rest);
        const again = REF_AT_START.exec(norm);
        if (again && again[0].length === norm.length) {
          out.refs.push(Number(again[1] ?? again[2] ?? again[3]));
          continue;
        }
      }
    }
    if (/^@./u.test(norm)) {
      out.mentions.push(raw.slice(1));
      continue;
    }
    const field = /^([^:]{1,10}):(.*)$/su.exec(norm);
    // Own keys only: `in` would also find Object.prototype's members.
    if (field && Object.hasOwn(FIELD_KEYS, field[1]!)) {
      const name = FIELD_KEYS[field[1] as keyof typeof FIELD_KEYS];
      // The value as typed: split the raw token at its own first colon (normalising may change lengths: … → ...).
      let value = raw.slice(raw.search(/[:：]/u) + 1);
      // "期限: 5月1日" — the value may follow the colon after a space.
      if (!value && i + 1 < tokens.length) value = tokens[++i]!;
      // "期限:3 天", "deadline:3 days": a number and its unit split by a space.
      if (name === 'deadline' && /^\d{1,4}$/.test(value) && i + 1 < tokens.length && DURATION_UNIT.test(normalizeText(tokens[i + 1]!))) {
        value = `${value}${tokens[++i]!}`;
      }
      if (name === 'assignee') value = value.replace(/^[@＠]/u, '');
      out.fields[name] = value;
      continue;
    }
    if (field && /^[\p{Script=Han}]{2,4}$/u.test(field[1]!) && field[2]) {
      out.unknownFields.push(field[1]!);
    }
    out.words.push({ raw, norm });
  }
  return out;
}

/**
 * The raw token after the first `normLength` characters of its normalised form. Normalising
 * maps one character to one (full-width ＃ → #, ，stays) for everything a reference holds, so
 * the lengths agree; when they do not (a ligature), fall back to the normalised rest.
 */
function restAfter(raw: string, norm: string, normLength: number): string {
  if (raw.length === norm.length) return raw.slice(normLength);
  return norm.slice(normLength);
}

/** The remaining words joined back into the user's text. */
export function restText(words: readonly Token[]): string {
  return words.map((w) => w.raw).join(' ').trim();
}
