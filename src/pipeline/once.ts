import type { Logger } from '../log/logger';
import type { MessageLog, MessageRecord } from '../store/message-log';
import type { Reply, TemplateCard } from '../transport/types';

/**
 * Once per msgid, for commands that change something: claim the msgid (SET NX, a short lease)
 * before running, record the reply after, so a re-sent callback gets the first answer. When
 * nothing was answered the claim is released, so WeCom's retry runs it rather than finding a
 * pending claim. Commands that only read skip both writes: running them again is harmless.
 */
export async function runOnce<T extends { markdown: string; card?: TemplateCard | undefined }>(
  deps: { messages: MessageLog; logger: Logger },
  received: { msgid: string; requestId?: string | undefined },
  work: () => Promise<T>,
): Promise<T | Reply> {
  const claim = await deps.messages.claim(received.msgid);
  if (claim !== 'claimed') return recorded(claim);
  let result: T;
  try {
    result = await work();
  } catch (err) {
    await deps.messages.release(received.msgid).catch(() => undefined);
    throw err;
  }
  try {
    await deps.messages.complete(received.msgid, { markdown: result.markdown, ...(result.card ? { card: result.card } : {}) });
  } catch (err) {
    // The work is done: answer it. A retry is unlikely once answered, and the claim's lease
    // runs out on its own.
    deps.logger.warn({ err: (err as Error).message, reqId: received.requestId, msgid: received.msgid }, 'reply not recorded');
  }
  return result;
}

/** The answer recorded for a msgid seen before: its reply, or "in progress" while it runs elsewhere. */
export function recorded(record: MessageRecord): Reply {
  const handled = { command: '-', outcome: 'duplicate' };
  return record.status === 'done' ? { markdown: record.markdown, ...(record.card ? { card: record.card } : {}), handled } : { markdown: '处理中…', pending: true, handled };
}
