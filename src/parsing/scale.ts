import { distance } from 'fastest-levenshtein';
import type { ScaleWord } from '../config/org-schema';
import { createWordMatcher } from '../pipeline/command-words';
import { clipForReply } from '../rendering/clip';
import { userText } from '../rendering/safe-text';
import type { Token } from './args';
import { normalizeText } from './normalize';

/**
 * A word of a grading scale (policy.grades for 完成效果 at /销号, policy.ratings for 群众评价 at
 * /回访; docs/design.md §4.16) read the way people type it on a phone: the word or one of its
 * aliases, Traditional or full-width (folded as everywhere), with the punctuation that ends a
 * clause (`效果：较好，`), or glued to its key (`效果好`, `群众满意`). An unknown word is refused
 * with the scale and the nearest words; a scored value is never guessed.
 */

export type ScaleResult = { ok: true; word: ScaleWord } | { ok: false; error: string };

/** Punctuation that may close a clause around the word: `较好，`, `“满意”。`. */
const EDGE_PUNCT = /^[\s:：,，.。、;；!！?？~～'"“”‘’「」]+|[\s:：,，.。、;；!！?？~～'"“”‘’「」]+$/gu;
/** Where a glued value ends and the note after it starts: `效果好，闸阀运行正常`. */
const CLAUSE_END = /[,，.。、;；!！?？~～]+/u;

/** The key a scale word is matched by: folded, lower-cased, without the punctuation around it. */
export function scaleKey(text: string): string {
  return normalizeText(text).replace(EDGE_PUNCT, '').toLowerCase();
}

/** Each word and alias of the scale by its key. */
function keysOf(scale: readonly ScaleWord[]): Map<string, ScaleWord> {
  const keys = new Map<string, ScaleWord>();
  for (const w of scale) for (const k of [w.word, ...w.aliases]) keys.set(scaleKey(k), w);
  return keys;
}

/**
 * Degree words people put before a scale word (docs/design.md §4.16), longest first where one
 * starts another. Read against the scale's order (best first), so a district's own scale reads
 * them the same way: a strong degree is the word itself (很好 → 好, 非常满意 → 满意); a moderate
 * one lowers the best word one step (比较好 → 较好, 比较满意 → 基本满意) and leaves the others
 * (较差 → 差); the best word negated is its `不…` word when the scale has one (不太满意 → 不满意),
 * else the scale's last (不太好 → 差). Words about who said it (都, 普遍) are skipped.
 */
const STRONG = ['非常', '特别', '十分', '相当', '很', '挺', '蛮', '超', '真', '极'];
const MODERATE = ['还比较', '比较', '还算', '基本上', '基本', '总体', '较', '还'];
const NEGATED = ['不是很', '不怎么', '不太', '不大', '不够', '不很', '不'];
const WHO_SAID = ['普遍', '一致', '全都', '都', '均', '也'];
/** A particle closing a degree phrase: 很满意的, 挺好的. */
const PARTICLE = /[的啊呀]+$/u;

const startWith = (s: string, list: readonly string[]) => list.find((p) => s.startsWith(p) && s.length > p.length);

/** The scale word a degree phrase names (`很好`, `都比较满意`, `不太好`), or undefined. */
function readDegree(scale: readonly ScaleWord[], keys: Map<string, ScaleWord>, key: string, depth = 0): ScaleWord | undefined {
  const exact = keys.get(key);
  if (exact || depth > 3) return exact;
  // 很满意的, 挺好的 — but 好的 and 好了 alone are a reply and "done", never a grade.
  const bare = depth > 0 ? key.replace(PARTICLE, '') : key;
  if (bare !== key && bare) return readDegree(scale, keys, bare, depth + 1);
  const who = startWith(key, WHO_SAID);
  if (who) return readDegree(scale, keys, key.slice(who.length), depth + 1);
  const strong = startWith(key, STRONG);
  if (strong) return readDegree(scale, keys, key.slice(strong.length), depth + 1);
  const moderate = startWith(key, MODERATE);
  if (moderate) {
    const w = readDegree(scale, keys, key.slice(moderate.length), depth + 1);
    return w === scale[0] ? scale[1] : w;
  }
  const negated = startWith(key, NEGATED);
  if (negated) {
    const rest = key.slice(negated.length);
    // Only the best word negated says something sure: 不太差 is no step of the scale.
    if (keys.get(rest) !== scale[0]) return undefined;
    return keys.get(`不${rest}`) ?? scale[scale.length - 1];
  }
  return undefined;
}

/** The scale word `text` names (its word or an alias, folded, or a degree phrase: 很好), or undefined. */
export function findScaleWord(scale: readonly ScaleWord[], text: string): ScaleWord | undefined {
  const key = scaleKey(text);
  return key ? readDegree(scale, keysOf(scale), key) : undefined;
}

/**
 * The words a mistyped one was probably meant as, best first: those of the same sound (the IME
 * slip: 教好 for 较好) when there are any, else those fewest edits away (很好 → 好、较好). One
 * edit on a one-character word replaces all of it (坏 → 好) and says nothing, so an edit must
 * leave part of the word standing.
 */
export function nearScaleWords(scale: readonly ScaleWord[], text: string): ScaleWord[] {
  const key = scaleKey(text);
  if (!key) return [];
  const keys = keysOf(scale);
  const sameSound = createWordMatcher(keys).near(key).sameSound;
  if (sameSound.length) return scale.filter((w) => sameSound.includes(w));
  let best = Infinity;
  const at = new Map<ScaleWord, number>();
  for (const [k, w] of keys) {
    const longer = Math.max(k.length, key.length);
    const d = distance(k, key);
    if (d >= longer || d > (longer >= 4 ? 2 : 1)) continue;
    if (d < (at.get(w) ?? Infinity)) at.set(w, d);
    best = Math.min(best, d);
  }
  return scale.filter((w) => at.get(w) === best);
}

/** "好、较好、一般、差". */
export function scaleWords(scale: readonly ScaleWord[]): string {
  // The words come from the org file: inert in a markdown reply (docs/design.md §4.7).
  return scale.map((w) => userText(w.word)).join('、');
}

/**
 * The scale word `text` names, or why not in a sentence that lists the scale and the nearest
 * words: "完成效果没有“很好”这一档，可选：好、较好、一般、差。是不是“好”或“较好”？".
 */
export function readScaleWord(scale: readonly ScaleWord[], text: string, field: string): ScaleResult {
  const found = findScaleWord(scale, text);
  if (found) return { ok: true, word: found };
  const said = scaleKey(text);
  if (!said) return { ok: false, error: `请写明${field}：${scaleWords(scale)}` };
  const near = nearScaleWords(scale, text);
  const guess = near.length ? `是不是“${near.map((w) => userText(w.word)).join('”或“')}”？` : '';
  return { ok: false, error: `${field}没有“${clipForReply(said)}”这一档，可选：${scaleWords(scale)}。${guess}` };
}

/** A clause split at its first clause mark: `好，现场核验` → 好 and the rest as typed. */
export interface Clause {
  head: string;
  rest?: Token;
}

/** Splits normalised text at its first clause mark; `raw` is the same text as typed. */
function clause(raw: string, norm: string, from: number): Clause {
  const tail = norm.slice(from);
  const end = CLAUSE_END.exec(tail);
  const head = (end ? tail.slice(0, end.index) : tail).trim();
  if (!end) return { head };
  const restAt = from + end.index + end[0].length;
  // The note keeps the user's characters when folding kept the lengths (it does but for ligatures).
  const restRaw = raw.length === norm.length ? raw.slice(restAt) : norm.slice(restAt);
  return restRaw ? { head, rest: { raw: restRaw, norm: norm.slice(restAt) } } : { head };
}

/** A field's value as typed (`效果:好，现场核验`): the word, and the start of the note glued to it. */
export function splitValue(raw: string): Clause {
  return clause(raw, normalizeText(raw), 0);
}

/** A word split off its glued key: which key, the value, and the rest of the token. */
export interface GluedValue extends Clause {
  /** The key the token started with, folded (效果, 群众). */
  key: string;
}

/**
 * A token that starts with one of `keys` and goes on (`效果好`, `效果较好，现场核验`,
 * `群众基本满意`): the value up to the first clause mark, and what follows it. The key alone
 * (`效果`) or a key followed only by punctuation is not a glued value.
 */
export function splitGlued(token: Token, keys: readonly string[]): GluedValue | undefined {
  const norm = token.norm;
  const key = [...keys].sort((a, b) => b.length - a.length).find((k) => norm.startsWith(k));
  if (key === undefined) return undefined;
  let start = key.length;
  while (norm[start] === ':' || norm[start] === ' ') start++;
  const c = clause(token.raw, norm, start);
  return c.head ? { key, ...c } : undefined;
}
