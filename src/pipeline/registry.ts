import { commandKey } from '../parsing/normalize';
import type { Command, CommandCatalog } from './command';

/**
 * One registry drives routing, aliases and /帮助. Keys are normalised (full-width, Traditional,
 * case) so "/HELP", "／幫助" and "/帮助" reach the same command.
 */
export class CommandRegistry implements CommandCatalog {
  private readonly byKey = new Map<string, Command>();

  constructor(private readonly commands: readonly Command[]) {
    for (const c of commands) {
      for (const key of [c.name, ...c.aliases].map(commandKey)) {
        const taken = this.byKey.get(key);
        if (taken) throw new Error(`command key "${key}" is used by both /${taken.name} and /${c.name}`);
        this.byKey.set(key, c);
      }
    }
  }

  all(): readonly Command[] {
    return this.commands;
  }

  find(word: string): Command | undefined {
    return this.byKey.get(commandKey(word));
  }

  /** Close matches for "did you mean": a key that contains the word or is contained in it. */
  suggest(word: string, limit = 3): Command[] {
    const w = commandKey(word);
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
