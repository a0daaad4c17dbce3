import type { CardAction, TransportName } from '../transport/types';
import type { EventCallback } from './callback-schema';

/**
 * The CardAction of a template_card_event callback, the same on both transports. A group click
 * that names no chatid is unreadable (undefined): taking the clicker's userid for the chat would
 * act in the wrong chat (drafts, area and home-chat checks) and answer in the single chat.
 */
export function cardActionOf(cb: EventCallback, event: { taskId: string; eventKey: string }, transport: TransportName, requestId: string): CardAction | undefined {
  const chatType = cb.chattype ?? 'single';
  if (chatType === 'group' && !cb.chatid) return undefined;
  return {
    kind: 'action',
    transport,
    msgid: cb.msgid,
    chatType,
    chatId: chatType === 'group' ? cb.chatid! : cb.from.userid,
    userId: cb.from.userid,
    taskId: event.taskId,
    eventKey: event.eventKey,
    ...(cb.response_url ? { responseUrl: cb.response_url } : {}),
    requestId,
  };
}
