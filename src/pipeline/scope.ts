import { defaultScope as defaultScopeFor, readScopeWord, type Scope } from '../domain/visibility';
import type { CommandContext } from './command';
import { outsideScopeReason } from './area';
import { PermissionError, UsageError } from './errors';

/**
 * The scope of a list or a status in a chat command: the read model's scope (domain/visibility)
 * with its refusals as the chat's errors.
 */
export type { Scope } from '../domain/visibility';

/** The default: the chat's scope if it has one, else everything the person may see. */
export function defaultScope(ctx: CommandContext): Scope {
  return defaultScopeFor(ctx.org, ctx.sender, ctx.chat);
}

/** A scope word: 全区, a team (第一工作队 / t1), a town (福禄镇) or a unit (斑竹村). Undefined when it is none. */
export function namedScope(ctx: CommandContext, word: string, command = '/清单'): Scope | undefined {
  const read = readScopeWord(ctx.org, ctx.sender, word);
  if (!read) return undefined;
  if (read.kind === 'outside') throw new PermissionError('组织部（或该片区的工作队）', outsideScopeReason(ctx.org, ctx.sender, read.label));
  if (read.kind === 'ambiguous') throw new UsageError(`“${word}”对应多个单位：${read.units.map((u) => u.town + u.name).join('、')}`, `${command} ${read.units[0]!.town}${read.units[0]!.name}`);
  return read.scope;
}
