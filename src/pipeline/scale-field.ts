import type { ScaleWord } from '../config/org-schema';
import type { Token } from '../parsing/args';
import { findScaleWord, readScaleWord, splitGlued, splitValue } from '../parsing/scale';
import { UsageError } from './errors';

/**
 * The scale word a command was given (完成效果 at /销号, 群众评价 at /回访; docs/design.md §4.16)
 * and the words left for its note. Read, in this order, from the field (`效果:好`), from the first
 * word glued to a key (`效果好`, `群众满意`), or from the first word when it is a scale word on its
 * own (`好`, `不满意`). Refuses a word not in the scale before anything is written.
 */
export interface ScaleSpec {
  /** 完成效果, 群众评价. */
  field: string;
  scale: readonly ScaleWord[];
  /** Keys whose glued value must be a scale word (the field's own keys: 效果好, 评价满意). */
  strictKeys: readonly string[];
  /**
   * Words people write before the value that also begin ordinary notes (群众满意, but 群众反映又漏水):
   * a glued value that is no scale word leaves the word to the note.
   */
  looseKeys?: readonly string[];
  example: string;
}

export interface ScaleTake {
  word?: ScaleWord;
  /** The words after the scale word (its glued rest first), for the note. */
  words: Token[];
}

export function takeScaleWord(fieldValue: string | undefined, words: readonly Token[], spec: ScaleSpec): ScaleTake {
  const read = (text: string) => {
    const r = readScaleWord(spec.scale, text, spec.field);
    if (!r.ok) throw new UsageError(r.error, spec.example);
    return r.word;
  };
  if (fieldValue !== undefined) {
    const value = splitValue(fieldValue);
    return { word: read(value.head), words: value.rest ? [value.rest, ...words] : [...words] };
  }
  const [first, ...others] = words;
  if (!first) return { words: [] };
  const keys = [...spec.strictKeys, ...(spec.looseKeys ?? [])];
  const [second, ...after] = others;
  if (second && keys.includes(first.norm)) {
    // The key as a word of its own: "效果 好", "群众 都很满意" (a strict key's word must be in the scale).
    const value = splitValue(second.raw);
    const word = spec.strictKeys.includes(first.norm) ? read(value.head) : findScaleWord(spec.scale, value.head);
    if (word) return { word, words: value.rest ? [value.rest, ...after] : after };
  }
  const glued = splitGlued(first, keys);
  if (glued) {
    const strict = spec.strictKeys.includes(glued.key);
    const word = strict ? read(glued.head) : findScaleWord(spec.scale, glued.head);
    if (word) return { word, words: glued.rest ? [glued.rest, ...others] : others };
  }
  // A scale word only as a whole word: "好" grades, "好了" and "好，已核验" are notes.
  const whole = findScaleWord(spec.scale, first.norm);
  return whole ? { word: whole, words: others } : { words: [...words] };
}
