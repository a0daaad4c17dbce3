import type { Issue } from '../domain/issue';
import { otherIssuePeople } from '../domain/issue-people';
import type { Org } from '../domain/org';
import { mention } from './issue';
import { userText } from './safe-text';

/**
 * "同时通知：驻村第一书记 @黄海波、联络员 @彭雪梅" under an assignment, or nothing when the unit
 * has nobody besides the assignee. The secretary is named here only when not the assignee.
 */
export function otherPeopleLine(org: Org, issue: Pick<Issue, 'unitId' | 'assignee'>): string | undefined {
  const others = otherIssuePeople(org, issue);
  if (!others.length) return undefined;
  return `同时通知：${others.map((p) => `${userText(p.title)} ${mention(org, p.userid)}`).join('、')}（可代为反馈整改）`;
}
