import { normalizeText } from './normalize';

/**
 * The argument grammar of DESIGN §4, after the command word: issue references (#12, ＃12, 12号),
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

const REF = /^(?:#(\d{1,9})|(\d{1,9})号)$/;
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

export function parseArgs(text: string): ParsedArgs {
  const out: ParsedArgs = { refs: [], fields: {}, mentions: [], words: [], unknownFields: [] };
  const tokens = splitTokens(text);
  for (let i = 0; i < tokens.length; i++) {
    const raw = tokens[i]!;
    const norm = normalizeText(raw);
    // Only references before the first word name the issue: "/撤销 #12 重复上报，同 #9" keeps #9 in the reason.
    const ref = out.words.length === 0 ? REF.exec(norm) : null;
    if (ref) {
      out.refs.push(Number(ref[1] ?? ref[2]));
      continue;
    }
    if (/^@./u.test(norm)) {
      out.mentions.push(raw.slice(1));
      continue;
    }
    const field = /^([^:]{1,6}):(.*)$/su.exec(norm);
    // Own keys only: `in` would also find Object.prototype's members.
    if (field && Object.hasOwn(FIELD_KEYS, field[1]!)) {
      const name = FIELD_KEYS[field[1] as keyof typeof FIELD_KEYS];
      // The value as typed: split the raw token at its own first colon (normalising may change lengths: … → ...).
      let value = raw.slice(raw.search(/[:：]/u) + 1);
      // "期限: 5月1日" — the value may follow the colon after a space.
      if (!value && i + 1 < tokens.length) value = tokens[++i]!;
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

/** The remaining words joined back into the user's text. */
export function restText(words: readonly Token[]): string {
  return words.map((w) => w.raw).join(' ').trim();
}
