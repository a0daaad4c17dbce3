import type { Command } from '../src/pipeline/command';
import assign from './assign';
import assignTask from './assign-task';
import bonus from './bonus';
import bulletin from './bulletin';
import cancel from './cancel';
import cancelIssue from './cancel-issue';
import dashboard from './dashboard';
import deduct from './deduct';
import exportLedger from './export';
import extend from './extend';
import fix from './fix';
import help from './help';
import list from './list';
import mine from './mine';
import performance from './performance';
import practice from './practice';
import reload from './reload';
import remind from './remind';
import report from './report';
import reject from './reject';
import round from './round';
import revisit from './revisit';
import score from './score';
import show from './show';
import status from './status';
import task from './task';
import talk from './talk';
import verify from './verify';
import visit from './visit';
import whoami from './whoami';
import withdrawScore from './withdraw-score';

/** Every chat command, one file each. Order is the order /帮助 lists them: the loop first. */
export const commands: readonly Command[] = [
  report,
  assign,
  fix,
  verify,
  reject,
  extend,
  revisit,
  remind,
  cancelIssue,
  show,
  list,
  mine,
  status,
  exportLedger,
  dashboard,
  visit,
  practice,
  assignTask,
  task,
  talk,
  performance,
  round,
  bulletin,
  score,
  bonus,
  deduct,
  withdrawScore,
  whoami,
  reload,
  help,
  cancel,
];
