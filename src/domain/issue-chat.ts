import type { Issue } from './issue';
import type { Org } from './org';

/**
 * The group a push about an issue goes to, read at send time: its home chat while the
 * organisation still has that chat; after a /重新加载 that removed (or re-created under another
 * chatid) the chat, the unit's area group now, else the 组织部 group — never the dead chatid,
 * whose pushes would go nowhere without an error.
 */
export function issueChat(org: Org, issue: Pick<Issue, 'homeChat' | 'unitId'>): string {
  if (org.chat(issue.homeChat)) return issue.homeChat;
  const admin = org.chats.find((c) => c.scope.kind === 'admin')?.chatid;
  return org.homeChatFor(issue.unitId, admin ?? issue.homeChat);
}
