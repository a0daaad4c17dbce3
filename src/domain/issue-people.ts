import type { Issue } from './issue';
import type { Org } from './org';

/**
 * Who answers for an issue and is @-ed on it — its assignment, reminders, overdue digests,
 * /催办: the assignee, then the unit's secretary and contacts (驻村第一书记, 联络员 …), each once.
 * One list for every push, so none of them forgets the contacts or names someone twice.
 */
export function issueMentions(org: Org, issue: Pick<Issue, 'unitId' | 'assignee'>): string[] {
  return [...new Set([...(issue.assignee ? [issue.assignee] : []), ...org.unitContacts(issue.unitId)])];
}

/** The people @-ed besides the assignee, with what they are at the unit (书记, 驻村第一书记 …). */
export function otherIssuePeople(org: Org, issue: Pick<Issue, 'unitId' | 'assignee'>): { userid: string; title: string }[] {
  return issueMentions(org, issue)
    .filter((u) => u !== issue.assignee)
    .map((userid) => ({ userid, title: org.unitTitle(issue.unitId, userid) ?? '' }));
}
