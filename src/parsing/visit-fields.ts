import { FIELD_ALIASES, formFields, type FormName, type VisitField } from '../domain/visit';
import { normalizeText } from './normalize';

/**
 * The text of a /走访 after the unit: `字段:内容` pairs of the unit's 巡回指导记录表 (`三会一课:按时召开
 * 发现:公开栏未更新`, `：` or `:`, the value after a space when the colon ends the word, quoted
 * “…” when it has spaces) and everything else as the free 情况. A field the form does not have
 * is reported (never silently kept as text or dropped), so a slip like `三汇一课:` is seen.
 */
export interface VisitText {
  /** In the form's order; a field given twice keeps both values ("；"). */
  fields: VisitField[];
  note: string;
  /** Field-like keys the form does not have, as typed. */
  unknown: string[];
}

/** Keys that write into the free text rather than a field. */
const NOTE_KEYS = new Set(['情况', '说明', '备注']);
const KEYED = /^([^:\s]{1,8}):(.*)$/su;
const HAN_KEY = /^\p{Script=Han}{2,8}$/u;

/** `三会一课：基本正常，组织生活会：未开展` is two fields: a comma before the next key ends a value. */
const BEFORE_NEXT_KEY = /[，,；;]\s*(?=\p{Script=Han}{2,8}[:：])/u;

export function readVisitText(typed: readonly string[], form: FormName | undefined): VisitText {
  const tokens = typed.flatMap((t) => t.split(BEFORE_NEXT_KEY));
  const allowed = formFields(form);
  const values = new Map<string, string[]>();
  const note: string[] = [];
  const unknown: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const raw = tokens[i]!;
    const m = KEYED.exec(normalizeText(raw));
    if (!m) {
      note.push(raw);
      continue;
    }
    const typedKey = m[1]!;
    const key = FIELD_ALIASES[typedKey] ?? typedKey;
    // The value as typed: after the raw token's own first colon.
    let value = raw.slice(raw.search(/[:：]/u) + 1).trim();
    const known = allowed.includes(key) || NOTE_KEYS.has(key);
    if (!known) {
      // "9:30" or "http://…" are text; a Chinese word before a colon is meant as a field.
      if (HAN_KEY.test(typedKey)) unknown.push(typedKey);
      else note.push(raw);
      continue;
    }
    if (!value && i + 1 < tokens.length && !KEYED.test(normalizeText(tokens[i + 1]!))) value = tokens[++i]!.trim();
    if (!value) continue;
    if (NOTE_KEYS.has(key)) note.push(value);
    else values.set(key, [...(values.get(key) ?? []), value]);
  }
  const fields = allowed.filter((f) => values.has(f)).map((name) => ({ name, value: values.get(name)!.join('；') }));
  return { fields, note: note.join(' ').trim(), unknown };
}
