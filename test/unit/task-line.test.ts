import { emptyCounts, figuresFrom } from '../../src/domain/stats';
import { taskLine } from '../../src/rendering/task-line';

/** The one line of the department's tasks under the problems' figures (docs/design.md §4.10). */
const tasks = (over: Partial<ReturnType<typeof emptyCounts>>, overdue: number) => figuresFrom({ ...emptyCounts(), ...over }, overdue);

it('is absent without task issues, so a ledger without tasks reads as before', () => {
  expect(taskLine(undefined, 'status')).toBeUndefined();
  expect(taskLine(tasks({}, 0), 'summary')).toBeUndefined();
  // A withdrawn task's issues are 已撤销, no longer counted.
  expect(taskLine(tasks({ canceled: 48 }, 0), 'bulletin')).toBeUndefined();
});

it('reads like the lines it sits under, 待核验 only when some wait', () => {
  const f = tasks({ found: 48, closed: 10, revisited: 2, assigned: 36 }, 3);
  expect(taskLine(f, 'status')).toBe('布置任务 48 项　完成 12　逾期 3');
  expect(taskLine(f, 'summary')).toBe('布置任务：48 项　完成 12　逾期 3');
  expect(taskLine(f, 'bulletin')).toBe('> 布置任务：48 项，完成 12，逾期 <font color="warning">3</font>');
  expect(taskLine(tasks({ found: 48, closed: 12, submitted: 5, assigned: 31 }, 0), 'status')).toBe('布置任务 48 项　完成 12　待核验 5　逾期 0');
});
