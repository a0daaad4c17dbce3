import type { Unit } from '../domain/org';
import { visibleUnits } from '../domain/visibility';
import { unitIndex } from '../parsing/units';
import { clipForReply } from '../rendering/clip';
import { outsideAreaReason } from './area';
import type { CommandContext } from './command';
import { assertChatShows } from './chat-scope';
import { PermissionError, UsageError } from './errors';

/**
 * The unit a department record (典型经验, 走访) is about: the first word (斑竹村, 福禄镇斑竹村, a
 * unique prefix) or a unit name the text starts with (斑竹村三会一课…), and the text after it as
 * typed. The unit must be in the person's area (admins: any), refused with the real reason.
 */
export function recordUnit(ctx: CommandContext, text: string, example: string): { unit: Unit; rest: string } {
  const trimmed = text.trim();
  const first = trimmed.split(/\s+/u)[0] ?? '';
  if (!first) throw new UsageError('请写明单位', example);
  const index = unitIndex(ctx.org);
  const visible = visibleUnits(ctx.org, ctx.sender.userid);
  const ambiguous = (units: Unit[]) => new UsageError(`“${clipForReply(first, 12)}”对应多个单位：${units.map((u) => u.town + u.name).join('、')}，请写完整名称`, example);
  let unit: Unit;
  let rest: string;
  const m = index.match(first, visible);
  if (m.kind === 'one') {
    unit = m.unit;
    rest = trimmed.slice(first.length).trim();
  } else if (m.kind === 'many') {
    throw ambiguous(m.units);
  } else {
    const glued = index.matchAtStart(first, visible);
    if (glued?.match.kind === 'many') throw ambiguous(glued.match.units);
    if (glued?.match.kind !== 'one') throw new UsageError(`找不到单位“${clipForReply(first, 12)}”，请先写单位名称`, example);
    unit = glued.match.unit;
    rest = `${glued.rest} ${trimmed.slice(first.length)}`.trim();
  }
  if (!visible.has(unit.id)) throw new PermissionError('该片区的工作队或组织部', outsideAreaReason(ctx.org, ctx.sender, unit));
  // Recorded only where the unit's records may be shown: the reply names its issues.
  assertChatShows(ctx, [unit.id], `${unit.town}${unit.name}`);
  return { unit, rest };
}
