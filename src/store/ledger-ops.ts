import type { Issue } from '../domain/issue';
import { counterDeltas } from '../domain/stats';
import { monthKey } from '../domain/time';
import type { Keys } from './keys';

/**
 * Which index and counter writes one issue change needs, derived from the issue before and
 * after. Pure, so it is tested without Redis; commit-issue.lua applies the list atomically.
 */
export type Op = ['zadd', string, number, string] | ['zrem', string, string] | ['hincrby', string, string, number];

export function ledgerOps(keys: Keys, before: Issue | undefined, after: Issue): Op[] {
  const ops: Op[] = [];
  const id = String(after.id);
  if (!before) {
    ops.push(['zadd', keys.byUnit(after.unitId), after.id, id]);
    for (const t of after.teamIds) ops.push(['zadd', keys.byTeam(t), after.id, id]);
    // Reported during a 巡查 round: the round's figures read its issues from this index.
    if (after.roundId !== undefined) ops.push(['zadd', keys.byRound(after.roundId), after.id, id]);
  }
  if (before?.state !== after.state) {
    if (before) {
      ops.push(['zrem', keys.byState(before.state), id]);
      ops.push(['zrem', keys.byUnitState(before.unitId, before.state), id]);
    }
    ops.push(['zadd', keys.byState(after.state), after.id, id]);
    ops.push(['zadd', keys.byUnitState(after.unitId, after.state), after.id, id]);
  }

  // Waiting on the assignee while rectifying.
  const waitsOn = (i: Issue | undefined) => (i?.state === 'assigned' ? i.assignee : undefined);
  const was = waitsOn(before);
  const is = waitsOn(after);
  if (was && was !== is) ops.push(['zrem', keys.byAssignee(was), id]);
  if (is) ops.push(['zadd', keys.byAssignee(is), after.id, id]);

  // The clock runs only in 整改中 with a deadline.
  const clock = (i: Issue | undefined) => (i?.state === 'assigned' && i.deadline !== undefined ? i.deadline : undefined);
  const month = monthKey(after.createdAt);
  const member = `${month}:${id}`;
  if (clock(after) !== undefined) {
    ops.push(['zadd', keys.deadlines, clock(after)!, id]);
    ops.push(['zadd', keys.unitDeadlines(after.unitId), clock(after)!, member]);
    ops.push(['zadd', keys.unitMonthDeadlines(after.unitId, month), clock(after)!, id]);
  } else if (clock(before) !== undefined) {
    ops.push(['zrem', keys.deadlines, id]);
    ops.push(['zrem', keys.unitDeadlines(after.unitId), member]);
    ops.push(['zrem', keys.unitMonthDeadlines(after.unitId, month), id]);
  }

  // A task's share (/布置): its per-state counters and running clocks, so /任务 清单 reads no
  // issue; and its unit's task clocks, so /status tells the tasks' 逾期 from the problems'.
  if (after.taskId !== undefined) {
    // Most units never get a task: /status reads task counters only for the units listed here.
    if (!before) ops.push(['zadd', keys.taskUnits, 0, after.unitId]);
    if (before?.state !== after.state) {
      if (before) ops.push(['hincrby', keys.taskStats(after.taskId), before.state, -1]);
      ops.push(['hincrby', keys.taskStats(after.taskId), after.state, 1]);
    }
    if (clock(after) !== undefined) {
      ops.push(['zadd', keys.taskDeadlines(after.taskId), clock(after)!, id]);
      ops.push(['zadd', keys.unitTaskDeadlines(after.unitId), clock(after)!, member]);
      ops.push(['zadd', keys.unitMonthTaskDeadlines(after.unitId, month), clock(after)!, id]);
    } else if (clock(before) !== undefined) {
      ops.push(['zrem', keys.taskDeadlines(after.taskId), id]);
      ops.push(['zrem', keys.unitTaskDeadlines(after.unitId), member]);
      ops.push(['zrem', keys.unitMonthTaskDeadlines(after.unitId, month), id]);
    }
  }

  for (const d of counterDeltas(before, after)) ops.push(['hincrby', keys.unitStats(d.unitId), d.field, d.delta]);
  // Every change, even a /催办, may move a score: the cached scores of this unit's month are stale.
  ops.push(['hincrby', keys.scoreEpoch(after.unitId), month, 1]);
  return ops;
}
