import type { OrgProblem } from './org-source';

/**
 * The one way an organisation's problems are shown (server start, SIGHUP, `org`, `ledger`):
 * one line each, `where：message`, warnings marked 警告 so an error list reads at a glance.
 */
export function formatProblemLines(problems: readonly OrgProblem[], indent = ''): string {
  return problems.map((p) => `${indent}${p.severity === 'warning' ? '警告 ' : ''}${p.where ? `${p.where}：` : ''}${p.message}`).join('\n');
}
