import { formFields, formOf, VISIT_LIMITS } from '../src/domain/visit';
import { splitTokens } from '../src/parsing/args';
import { readVisitText } from '../src/parsing/visit-fields';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { ConflictError, UsageError } from '../src/pipeline/errors';
import { unkeptEvidenceOf } from '../src/pipeline/issue-actions';
import { recordUnit } from '../src/pipeline/record-unit';
import { clipForReply } from '../src/rendering/clip';
import { visitRecorded } from '../src/rendering/records';
import { roundTitle } from '../src/rendering/rounds';

const EXAMPLE = '/走访 斑竹村 三会一课:按时召开 党员管理:台账齐全 发现:公开栏未更新';

/**
 * /走访: a team member records a 巡回指导 visit to a unit of their area — who, when, what was
 * checked and found, the fields of the unit's 巡回指导记录表 — with the message's photos. Problems
 * found are still reported with /上报; those the visitor reports at the unit that day belong to
 * the visit. Nothing ever asks for a visit to be logged.
 */
export default defineCommand({
  name: 'visit',
  aliases: ['走访', '巡回指导', 'guidance'],
  roles: ['leader', 'member'],
  summary: '记录巡回指导走访：检查了什么、发现了什么（可附照片）',
  usage: '/走访 <单位> [字段:内容 …] [情况]（字段按单位类型的巡回指导记录表，如 三会一课、党员管理，以及 检查、发现、建议）',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { text }) {
    if (!text.trim()) throw new UsageError('请写明走访的单位，以及检查和发现的情况', EXAMPLE);
    const { unit, rest } = recordUnit(ctx, text, EXAMPLE);
    const form = formOf(unit);
    const read = readVisitText(splitTokens(rest.replace(/^[，,、；;。\s]+/u, '')), form);
    if (read.unknown.length) {
      const where = form ? `${unit.name}（${unit.kind}）的${form}巡回指导记录表` : `${unit.name}（${unit.kind}）没有专门的巡回指导记录表，`;
      throw new UsageError(`${where}没有“${clipForReply(read.unknown[0]!, 8)}”这一项。可以填：${formFields(form).join('、')}`, EXAMPLE);
    }
    const long = read.fields.find((f) => [...f.value].length > VISIT_LIMITS.fieldValue);
    if (long) throw new UsageError(`“${long.name}”请控制在 ${VISIT_LIMITS.fieldValue} 字以内`, EXAMPLE);
    if ([...read.note].length > VISIT_LIMITS.note) throw new UsageError(`走访情况请控制在 ${VISIT_LIMITS.note} 字以内`, EXAMPLE);
    const evidence = unkeptEvidenceOf(ctx);
    const now = ctx.clock.now().getTime();
    // A visit during a 巡查 round counts for the round's coverage (docs/design.md §4.19).
    const round = await ctx.records.rounds.openFor(unit.id);
    const saved = await ctx.records.visits.add({
      unitId: unit.id,
      visitor: ctx.sender.userid,
      at: now,
      chatId: ctx.message.chatId,
      ...(form ? { form } : {}),
      fields: read.fields,
      ...(read.note ? { note: read.note } : {}),
      evidence,
      ...(round ? { roundId: round.id } : {}),
    });
    if (!saved) throw new ConflictError('走访登记失败，请重新发送');
    // The visit is recorded: a failed look-up of its issues must not fail the reply (a retried
    // callback would record it twice).
    const linked = await ctx.records.visits.linkedToVisit(saved).catch(() => [] as number[]);
    const reply = visitRecorded(ctx.org, saved, linked, now);
    return round ? `${reply}\n计入${roundTitle(round)}` : reply;
  },
});
