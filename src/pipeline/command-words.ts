import { distance } from 'fastest-levenshtein';
import { pinyin } from 'pinyin-pro';

/**
 * Which command word a person meant when the word is not exactly a command: the same sound typed
 * with another character (`消号` for 销号, the usual IME slip; `上抱`, `整该`), one character off in
 * a longer word (`已整该`), a nasal slip in the pinyin (`真改` zhen for zheng), or an English name
 * mistyped (`/stauts`). Pure: the registry builds one matcher from its keys.
 */
export interface WordMatcher<T> {
  /**
   * Every distinct target the word is close to (empty: none), and those of the same sound
   * (the IME slip, safe to act on; the others are only offered).
   */
  near(word: string): { all: T[]; sameSound: T[] };
}

/** Words that turn a command's meaning around: "未整改" is one character from "已整改". */
const NEGATING = /[未不没待非别]/u;

const HAN = /^\p{Script=Han}+$/u;
const ASCII_WORD = /^[a-z][a-z-]*$/;

/** Toneless pinyin without spaces: "销号" → "xiaohao". */
function sound(word: string): string {
  return pinyin(word, { toneType: 'none', type: 'array' }).join('');
}

interface Entry<T> {
  key: string;
  target: T;
  sound?: string;
}

export function createWordMatcher<T>(keys: ReadonlyMap<string, T>): WordMatcher<T> {
  const entries: Entry<T>[] = [];
  for (const [key, target] of keys) {
    entries.push(HAN.test(key) ? { key, target, sound: sound(key) } : { key, target });
  }
  return {
    near(word) {
      const hits = new Set<T>();
      const same = new Set<T>();
      if (HAN.test(word) && word.length >= 2 && word.length <= 6) {
        const s = sound(word);
        for (const e of entries) {
          if (!e.sound || e.key.length !== word.length) continue;
          if (NEGATING.test(word) && !NEGATING.test(e.key)) continue;
          const sameSound = e.sound === s;
          if (sameSound) same.add(e.target);
          // One sound off by one letter (zhen/zheng, xiao/xiu) in a word of the same length.
          const nearSound = distance(e.sound, s) === 1;
          // One character off in a word of three or more (二字 words differ too much by one).
          const oneCharOff = word.length >= 3 && distance(e.key, word) === 1;
          if (sameSound || nearSound || oneCharOff) hits.add(e.target);
        }
      } else if (ASCII_WORD.test(word) && word.length >= 3) {
        const max = word.length <= 5 ? 1 : 2;
        for (const e of entries) {
          if (e.sound || !ASCII_WORD.test(e.key)) continue;
          if (distance(e.key, word) <= max || swapsTwo(e.key, word)) hits.add(e.target);
        }
      }
      return { all: [...hits], sameSound: [...same] };
    },
  };
}

/** "lsit" for "list": two neighbouring letters swapped (Levenshtein counts that as two edits). */
function swapsTwo(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff.push(i);
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}
