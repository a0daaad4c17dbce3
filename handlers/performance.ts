import { meanScore, mergeFigures } from '../src/domain/performance';
import type { Person, Unit } from '../src/domain/org';
import { spanOfMonths } from '../src/domain/period-span';
import { talksReadable } from '../src/domain/talk';
import type { Practice } from '../src/domain/practice';
import { monthKey } from '../src/domain/time';
import type { Token } from '../src/parsing/args';
import { normalizeText } from '../src/parsing/normalize';
import { peopleIndex } from '../src/parsing/people';
import { nearNames } from '../src/pipeline/name-suggest';
import { parsePeriod, type Period } from '../src/parsing/period';
import { unitIndex } from '../src/parsing/units';
import { areaWords } from '../src/pipeline/area';
import { assertChatShows } from '../src/pipeline/chat-scope';
import { defineCommand, grammarInput, type CommandContext } from '../src/pipeline/command';
import { PermissionError, UsageError } from '../src/pipeline/errors';
import { clipForReply } from '../src/rendering/clip';
import { performanceText } from '../src/rendering/performance';

const EXAMPLE = '/档案 陈晓燕 今年';

type Target = { kind: 'person'; person: Person; units: Unit[] } | { kind: 'unit'; unit: Unit };

/**
 * /档案: the 实绩档案 of a secretary (over all the units they are secretary of) or of a unit, for
 * a period (default this year; docs/design.md §4.18). 组织部 any; a 队长 the units of the teams
 * they lead; a secretary their own.
 */
export default defineCommand({
  name: 'performance',
  effects: 'reads',
  aliases: ['档案', '实绩档案', 'record'],
  roles: ['admin', 'leader', 'secretary'],
  summary: '实绩档案：书记或单位的交办、销号、逾期、驳回、效果、评价、约谈、典型经验和得分',
  usage: '/档案 <姓名|@姓名|单位> [本月|本季度|今年|2026]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const now = ctx.clock.now().getTime();
    // "陈晓燕，今年": a comma is a space here (names and periods hold none).
    const words: Token[] = [...args.mentions.map((m) => ({ raw: `@${m}`, norm: `@${m}` })), ...args.words].flatMap((w) =>
      w.raw.split(/[，,、；;。]+/u).filter(Boolean).map((raw) => ({ raw, norm: normalizeText(raw) })),
    );
    let period: Period | undefined;
    let target: Target | undefined;
    for (const w of words) {
      const p = parsePeriod(w.raw, now);
      if (p && !period) {
        if (p.months?.length && [...p.months].sort()[0]! > monthKey(now)) throw new UsageError(`${p.label}还没有到，请写今天以前的时段`, EXAMPLE);
        period = p;
        continue;
      }
      if (!target) {
        target = readTarget(ctx, w.raw);
        continue;
      }
      throw new UsageError(`看不懂“${clipForReply(w.raw)}”：请写一位书记的姓名或一个单位，以及“本季度”“今年”“2026”这样的时段`, EXAMPLE);
    }
    period ??= parsePeriod('今年', now)!;
    if (!target) {
      if (!ctx.sender.secretaryOf.length) throw new UsageError('请写明要看谁的实绩档案：书记的姓名或单位名称', EXAMPLE);
      target = { kind: 'person', person: ctx.sender.person ?? { userid: ctx.sender.userid, name: ctx.sender.userid, aliases: [] }, units: [...ctx.sender.secretaryOf] };
    }
    const { units, hidden } = allowed(ctx, target);
    const label = target.kind === 'person' ? target.person.name : `${target.unit.town}${target.unit.name}`;
    assertChatShows(ctx, units.map((u) => u.id), label);
    return record(ctx, target, units, hidden, period, now);
  },
});

function readTarget(ctx: CommandContext, raw: string): Target {
  const name = raw.replace(/^[@＠]/u, '');
  const person = peopleIndex(ctx.org).find(name);
  if (person) {
    const units = ctx.org.units.filter((u) => u.secretary === person.userid);
    if (!units.length) throw new UsageError(`${person.name}不是哪个单位的书记（责任人），实绩档案按书记或单位查看`, EXAMPLE);
    return { kind: 'person', person, units };
  }
  const m = unitIndex(ctx.org).match(name);
  if (m.kind === 'one') return { kind: 'unit', unit: m.unit };
  if (m.kind === 'many') throw new UsageError(`“${clipForReply(name, 12)}”对应多个单位：${m.units.map((u) => u.town + u.name).join('、')}，请写完整名称`, EXAMPLE);
  const near = nearNames(ctx.org, name);
  if (near.length) throw new UsageError(`找不到“${clipForReply(name, 12)}”，是不是：${near.join('、')}？`, `/档案 ${near[0]}`);
  throw new UsageError(`找不到“${clipForReply(name, 12)}”：请写书记的姓名（或 @姓名）或单位名称`, EXAMPLE);
}

/**
 * The units of the target the sender may see: 组织部 all; a secretary their own; a 队长 those
 * in the teams they lead (a secretary of units in several areas is shown with the ones inside,
 * and how many were left out).
 */
function allowed(ctx: CommandContext, target: Target): { units: Unit[]; hidden: number } {
  const units = target.kind === 'person' ? target.units : [target.unit];
  if (ctx.sender.roles.includes('admin')) return { units, hidden: 0 };
  const own = new Set(ctx.sender.secretaryOf.map((u) => u.id));
  if (units.every((u) => own.has(u.id))) return { units, hidden: 0 };
  const led = new Set(ctx.sender.leaderOf.flatMap((t) => t.coveredUnitIds));
  const inside = units.filter((u) => led.has(u.id) || own.has(u.id));
  if (ctx.sender.leaderOf.length && inside.length) return { units: inside, hidden: units.length - inside.length };
  const what = target.kind === 'person' ? `${target.person.name}负责的单位（${target.units.map((u) => u.name).join('、')}）` : `${target.unit.name}（${target.unit.town}）`;
  if (ctx.sender.leaderOf.length) {
    const teams = ctx.sender.leaderOf.map((t) => `${t.name}（${areaWords(ctx.org, t)}）`).join('、');
    throw new PermissionError('组织部', `${what}不在你带领的工作队的片区；你带领的是${teams}，其他片区的实绩档案请组织部查看`);
  }
  throw new PermissionError('组织部', `书记只能查看自己的实绩档案：${what}不是你负责的单位`);
}

async function record(ctx: CommandContext, target: Target, units: Unit[], hidden: number, period: Period, now: number): Promise<string> {
  const unitIds = units.map((u) => u.id);
  const span = spanOfMonths(period.months);
  const person = target.kind === 'person' ? target.person.userid : target.unit.secretary;
  const label = target.kind === 'person' ? target.person.name : `${target.unit.town}${target.unit.name}`;
  // Talks only where /约谈 itself may be read: never read, let alone shown, anywhere else.
  const readable = talksReadable(ctx.org, ctx.sender.userid, { single: ctx.message.chatType === 'single', chatId: ctx.message.chatId });
  const [figures, board, talks, practices] = await Promise.all([
    ctx.records.performance.units(unitIds, period.months, now),
    ctx.jobs.scores.board({ scope: { label, unitIds }, period }),
    !readable ? undefined : target.kind === 'person' ? ctx.records.talks.forPerson(target.person.userid, span) : ctx.records.talks.forUnits(unitIds, span),
    practicesOf(ctx, unitIds, span),
  ]);
  const shownTalks = talks ?? (ctx.sender.roles.includes('admin') ? 'elsewhere' : 'hidden');
  const scores = unitIds.flatMap((id) => {
    const row = board.units.find((r) => r.id === id);
    return row ? [{ unitId: id, score: row.score }] : [];
  });
  return performanceText(
    ctx.org,
    ctx.org.policy,
    {
      person,
      units,
      periodLabel: period.label,
      past: !!period.months?.length && period.months.every((m) => m < monthKey(now)),
      figures: mergeFigures(figures.values()),
      talks: shownTalks,
      practices,
      scores,
      mean: meanScore(scores.map((s) => s.score)),
      hidden,
    },
    now,
  );
}

async function practicesOf(ctx: CommandContext, unitIds: readonly string[], span: ReturnType<typeof spanOfMonths>): Promise<Practice[]> {
  const out: Practice[] = [];
  for await (const batch of ctx.records.practices.scan(unitIds, span)) out.push(...batch);
  return out;
}
