import { actorFor } from '../domain/actor';
import type { Evidence, Issue } from '../domain/issue';
import { tooLong, tooManyMedia, type TextField } from '../domain/limits';
import { apply, isRefusal, type Action, type Actor, type Outcome, type Refusal } from '../domain/lifecycle';
import { maySeeIssue } from '../domain/visibility';
import type { EvidenceOrder } from '../../jobs/evidence/evidence-order';
import type { CommandContext, CommandReply } from './command';
import type { PushInput } from '../../jobs/push';
import { MessageLog } from '../store/message-log';
import { followUpData } from './follow-ups';
import { AnsweredBefore } from './once-commit';
import type { ParsedArgs } from '../parsing/args';
import { peopleIndex, sharedNameQuestion } from '../parsing/people';
import { clipForReply } from '../rendering/clip';
import { outsideAreaReason } from './area';
import { NeedInput, NotFoundError, PermissionError, ConflictError, UsageError } from './errors';

/** Shared steps of the issue commands: which issue, may this person see it, act with a version check. */

/** The issue a command names: "#12" in the text, else the quoted bot message's, else ask. */
export function requireRef(ctx: CommandContext, args: ParsedArgs, example: string): number {
  if (args.refs.length > 1) throw new UsageError('一次只能处理一个问题', example);
  const id = args.refs[0] ?? ctx.quotedRef;
  if (id === undefined) throw new NeedInput('ref', '是哪个问题？请回复问题编号', '#12');
  return id;
}

/** The issue, from the message's first batch when the pipeline read it there (`fresh`: read again, after a conflict). */
export async function loadIssue(ctx: CommandContext, id: number, fresh = false): Promise<Issue> {
  const issue = await (!fresh && ctx.prefetched?.id === id ? ctx.prefetched.issue : ctx.ledger.get(id));
  if (!issue) throw new NotFoundError(`没有找到问题 #${id}`, '/清单');
  // A fix reported before duties were kept apart has no fixedBy: read it from the audit, so
  // the one who reported it still cannot close it (两人核验).
  if (issue.state === 'submitted' && issue.fixedBy === undefined) {
    const fix = (await ctx.ledger.history(id, 10)).findLast((e) => e.action === 'fix');
    if (fix) return { ...issue, fixedBy: fix.actor };
  }
  return issue;
}

export function assertVisible(ctx: CommandContext, issue: Issue): void {
  if (!maySeeIssue(ctx.org, ctx.sender.userid, issue)) {
    throw new PermissionError('本片区工作队、该单位责任人或组织部', outsideAreaReason(ctx.org, ctx.sender, ctx.org.unit(issue.unitId)));
  }
}

/**
 * A refusal as an error, with its reason: the lifecycle's own (two-person duties), or, when the
 * actor is simply outside the unit's area, that ("喜观村（七塘镇）不在第一工作队的片区（福禄镇）").
 */
export function throwRefusal(r: Refusal, context?: { ctx: CommandContext; unitId: string; actor: Actor }): never {
  if (r.kind === 'permission') {
    const outside = context && !context.actor.isAdmin && !context.actor.inArea;
    const reason = r.reason ?? (outside ? outsideAreaReason(context.ctx.org, context.ctx.sender, context.ctx.org.unit(context.unitId)) : undefined);
    throw new PermissionError(r.allowed, reason);
  }
  throw new ConflictError(r.message);
}

/**
 * Would the step be refused? Then say so now: before asking for a missing part (rather than
 * after the person has typed the answer), or before anything else is written or counted
 * (/催办's limits). Reads the issue; the commit in act() decides again on what it reads then.
 */
export async function refuseEarly(ctx: CommandContext, id: number, action: Action | ((issue: Issue) => Action)): Promise<Issue> {
  const issue = await loadIssue(ctx, id);
  const actor = actorFor(ctx.org, ctx.sender.userid, issue.unitId);
  const result = apply(issue, typeof action === 'function' ? action(issue) : action, actor, ctx.clock.now().getTime());
  if (isRefusal(result)) throwRefusal(result, refusalContext(ctx, issue, actor));
  return issue;
}

/** The assignee outside the area (a secretary) or the unit's own contact is refused on the step, not on the area. */
function refusalContext(ctx: CommandContext, issue: Issue, actor: Actor): Parameters<typeof throwRefusal>[1] {
  return issue.assignee === ctx.sender.userid || actor.unitTitle !== undefined ? undefined : { ctx, unitId: issue.unitId, actor };
}

/**
 * What a command answers once its change is decided, and what the change still needs after the
 * reply: rendered before the commit, so the commit can record the very reply shown.
 */
export interface Finish {
  reply: CommandReply;
  /** Pushes the change causes (queued after the reply, or written down for the sweeper). */
  pushes?: PushInput[];
  /** The evidence entries the change added (their downloads are queued after the reply). */
  evidence?: readonly Evidence[];
}

/**
 * Writes a decided change with the version it was read at. On a "commit" command's message
 * (ctx.once) one script also records the reply and writes the follow-ups down, and those run after
 * the reply (ctx.afterReply); otherwise the timers, pushes and downloads are queued here, before
 * it. False: someone else changed the issue first. A message answered before ends in AnsweredBefore.
 */
export async function commitChange(ctx: CommandContext, before: Issue | undefined, outcome: Outcome, at: number, finish: (outcome: Outcome) => Finish): Promise<{ ok: false } | { ok: true; finished: Finish }> {
  const finished = finish(outcome);
  const after = outcome.issue;
  const pushes = finished.pushes ?? [];
  const orders = evidenceOrders(ctx, after.id, finished.evidence ?? []);
  const once = ctx.once;
  // A finish without a reply (a command not made for it) records nothing here: the pipeline records it.
  if (once && ctx.afterReply && finished.reply.markdown) {
    const note = once.note;
    const markdown = note ? `${note}\n${finished.reply.markdown}` : finished.reply.markdown;
    const data = followUpData({ pushes, evidence: orders });
    const record = MessageLog.answered({ markdown, ...(finished.reply.card ? { card: finished.reply.card } : {}) });
    const sent = ctx.ledger.commitOnce(before, outcome, ctx.sender.userid, at, { messageKey: once.key, record, ttlSeconds: once.ttlSeconds, ...(data ? { followUps: data } : {}) });
    ctx.onCommit?.(after.id);
    const r = await sent;
    if (r === 'conflict') return { ok: false };
    if (typeof r === 'object') throw new AnsweredBefore(MessageLog.parse(r.seen));
    once.recorded = true;
    const jobs = ctx.jobs;
    ctx.afterReply(() => jobs.followUp({ before, after, pushes, evidence: orders }));
    return { ok: true, finished };
  }
  if (!(await ctx.ledger.commit(before, outcome, ctx.sender.userid, at))) return { ok: false };
  await ctx.jobs.afterCommit(before, after);
  if (pushes.length) await ctx.jobs.pushAfterCommit(pushes);
  if (orders.length) await ctx.jobs.storeEvidence(orders);
  return { ok: true, finished };
}

/**
 * Reads the issue, decides with the lifecycle, writes with the version it read; when another
 * message changed it in between, reads again and decides again (so the second of two /销号
 * is told it is already closed). `finish` renders the reply (and names the pushes) from the
 * decided change, before it is written (commitChange).
 */
export async function act(ctx: CommandContext, id: number, action: (issue: Issue) => Action, finish: (before: Issue, outcome: Outcome) => Finish = () => ({ reply: { markdown: '' } })): Promise<{ before: Issue; outcome: Outcome; finished: Finish }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    // After a conflict: the issue again and then the message's record, in one batch — the change
    // that beat this one may have been this message's own attempt elsewhere (its reply is the answer).
    const loading = loadIssue(ctx, id, attempt > 0);
    const again = attempt > 0 && ctx.once ? ctx.once.seen() : undefined;
    const before = await loading;
    const seen = await again;
    if (seen) throw new AnsweredBefore(seen);
    const now = ctx.clock.now().getTime();
    const actor = actorFor(ctx.org, ctx.sender.userid, before.unitId);
    const result = apply(before, action(before), actor, now);
    if (isRefusal(result)) throwRefusal(result, refusalContext(ctx, before, actor));
    const done = await commitChange(ctx, before, result, now, (o) => finish(before, o));
    if (done.ok) return { before, outcome: result, finished: done.finished };
  }
  throw new ConflictError(`#${id} 正被频繁修改，请稍后再试`);
}

/**
 * Images and files of the message as evidence entries; never dropped silently: a message over
 * the per-message limit is refused as a whole. The entries name the media by message and place
 * only: WeCom's link and key go to the download job (evidenceOrders), never into the ledger.
 */
export function evidenceOf(ctx: CommandContext): Evidence[] {
  const tooMany = tooManyMedia(ctx.message.media.length);
  if (tooMany) throw new UsageError(tooMany);
  const at = ctx.clock.now().getTime();
  return ctx.message.media.map((m, index): Evidence => ({ kind: m.kind, msgid: ctx.message.msgid, index, at }));
}

/**
 * Images and files of a message whose record does not keep them (走访, 典型经验): entries recorded
 * as not kept (`not-kept`), so nothing reads as "saving" or as kept evidence; the reply says so
 * (src/rendering/records.ts). Over the per-message limit: refused as a whole, like evidenceOf.
 */
export function unkeptEvidenceOf(ctx: CommandContext): Evidence[] {
  return evidenceOf(ctx).map((e) => ({ ...e, failed: { reason: 'not-kept' } }));
}

/**
 * The download orders of the evidence a committed change added to an issue (docs/design.md
 * §6.6): queued after the commit, so the reply never waits for WeCom's file servers.
 */
export function evidenceOrders(ctx: CommandContext, issueId: number, evidence: readonly Evidence[]): EvidenceOrder[] {
  return evidence.flatMap((e) => {
    const media = ctx.message.media[e.index];
    if (!media || e.msgid !== ctx.message.msgid) return [];
    return [{ issueId, msgid: e.msgid, index: e.index, kind: e.kind, transport: ctx.message.transport, url: media.url, ...(media.aesKey ? { aesKey: media.aesKey } : {}), by: ctx.sender.userid, at: e.at }];
  });
}

/** Queues the downloads of the evidence a committed change added (never fails the command). */
export async function keepEvidence(ctx: CommandContext, issueId: number, evidence: readonly Evidence[]): Promise<void> {
  if (evidence.length) await ctx.jobs.storeEvidence(evidenceOrders(ctx, issueId, evidence));
}

/** The reply's word on photos being kept: the download runs after the reply. Empty without photos. */
export function savingNote(issueId: number, count: number): string {
  return count ? `照片正在保存，稍后发送 \`/查看 #${issueId}\` 可打开原图。` : '';
}

/** Refuses text over its limit, saying the limit and showing an example. */
export function checkLength(field: TextField, text: string | undefined, example: string): void {
  const over = text === undefined ? undefined : tooLong(field, text);
  if (over) throw new UsageError(over, example);
}

/** The person named by @姓名 or 责任人:, resolved through the org's people. */
export function resolvePerson(ctx: CommandContext, name: string, example: string): string {
  const people = peopleIndex(ctx.org);
  const person = people.find(name);
  const same = people.shared(name);
  if (!person && same.length) throw new UsageError(sharedNameQuestion(clipForReply(name), same), example);
  if (!person) throw new UsageError(`组织名册里没有“${clipForReply(name)}”`, example);
  return person.userid;
}
