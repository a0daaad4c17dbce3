import { commandKey } from '../parsing/normalize';
import type { Command, CommandCatalog } from './command';
import { createWordMatcher, type WordMatcher } from './command-words';

/** How a typed command word resolves: exactly, to the one command it is close to, to several, or none. */
export type WordResolution =
  | { kind: 'exact'; command: Command }
  | { kind: 'near'; command: Command; /** Same sound: the IME slip, safe to act on. */ sameSound: boolean }
  | { kind: 'ambiguous'; commands: Command[] }
  | { kind: 'none' };

/** Command words are short; anything longer is text, never worth normalising or matching. */
const MAX_WORD = 24;
/** Distinct words whose keys are remembered; past this the memory starts again (people type few). */
const MAX_REMEMBERED = 1024;

/**
 * One registry drives routing, aliases, /帮助 and "did you mean". Keys are normalised (full-width,
 * Traditional, case) so "/HELP", "／幫助" and "/帮助" reach the same command.
 */
export class CommandRegistry implements CommandCatalog {
  private readonly byKey = new Map<string, Command>();
  private readonly matcher: WordMatcher<Command>;
  /** Chinese keys, longest first, for a command word glued to its text ("上报斑竹村…"). */
  private readonly hanKeys: string[];
  /** English keys, longest first, for "status福禄镇". */
  private readonly asciiKeys: string[];
  /**
   * Typed word → its key: every message looks its word up several times (route, loose photos),
   * and NFKC plus OpenCC's trie per look-up was a few per cent of a busy server's CPU.
   */
  private readonly keys = new Map<string, string>();

  constructor(private readonly commands: readonly Command[]) {
    for (const c of commands) {
      for (const key of [c.name, ...c.aliases].map(commandKey)) {
        const taken = this.byKey.get(key);
        if (taken) throw new Error(`command key "${key}" is used by both /${taken.name} and /${c.name}`);
        this.byKey.set(key, c);
      }
    }
    this.matcher = createWordMatcher(this.byKey);
    this.hanKeys = [...this.byKey.keys()].filter((k) => /^\p{Script=Han}{2,}$/u.test(k)).sort((a, b) => b.length - a.length);
    this.asciiKeys = [...this.byKey.keys()].filter((k) => /^[a-z][a-z-]+$/u.test(k)).sort((a, b) => b.length - a.length);
  }

  all(): readonly Command[] {
    return this.commands;
  }

  find(word: string): Command | undefined {
    if (word.length > MAX_WORD) return undefined;
    return this.byKey.get(this.keyOf(word));
  }

  /** commandKey(word), remembered (only words of at most MAX_WORD characters come here). */
  private keyOf(word: string): string {
    let key = this.keys.get(word);
    if (key === undefined) {
      if (this.keys.size >= MAX_REMEMBERED) this.keys.clear();
      key = commandKey(word);
      this.keys.set(word, key);
    }
    return key;
  }

  /** The exact command, else the close ones (same sound, one character off, a typo in English). */
  resolve(word: string): WordResolution {
    const exact = this.find(word);
    if (exact) return { kind: 'exact', command: exact };
    if (word.length > MAX_WORD) return { kind: 'none' };
    const near = this.matcher.near(this.keyOf(word));
    if (near.all.length === 1) return { kind: 'near', command: near.all[0]!, sameSound: near.sameSound.length === 1 };
    if (near.all.length > 1) return { kind: 'ambiguous', commands: near.all };
    return { kind: 'none' };
  }

  /** "上报斑竹村闸阀漏水" → the Chinese command word it starts with, and the rest. */
  splitGlued(word: string): { command: Command; rest: string } | undefined {
    const key = this.keyOf(word.slice(0, MAX_WORD));
    for (const k of this.hanKeys) {
      // The normalised key and the typed word agree in length for Chinese characters.
      if (key.startsWith(k) && key.length > k.length) return { command: this.byKey.get(k)!, rest: word.slice(k.length) };
    }
    for (const k of this.asciiKeys) {
      // An English name runs into Chinese text: "status福禄镇" (never "statuses").
      if (key.startsWith(k) && key.length > k.length && !/[a-z0-9-]/u.test(key[k.length]!)) return { command: this.byKey.get(k)!, rest: word.slice(k.length) };
    }
    return undefined;
  }

  /** Close matches for "did you mean": a key that contains the word or is contained in it. */
  suggest(word: string, limit = 3): Command[] {
    if (word.length > MAX_WORD) return [];
    const w = this.keyOf(word);
    if (!w) return [];
    const hits = new Set<Command>();
    for (const [key, c] of this.byKey) if (key.includes(w) || w.includes(key)) hits.add(c);
    return [...hits].slice(0, limit);
  }
}

/** The name users see: the first Chinese alias, else the English name. */
export function displayName(c: Command): string {
  return `/${c.aliases[0] ?? c.name}`;
}
