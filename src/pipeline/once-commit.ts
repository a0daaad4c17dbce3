import type { MessageRecord } from '../store/message-log';

/**
 * The msgid of a "commit" command (CommandMeta.once), as its commit needs it: the record's key,
 * how long it lives, and the line the boundary shows above the answer, so the reply recorded in
 * the commit is the reply shown. `recorded` is set once the commit wrote it.
 */
export interface OnceCommit {
  key: string;
  ttlSeconds: number;
  note?: string;
  recorded: boolean;
  /** The message's record, read now (a retry after a conflict reads it after the issue, like the first batch). */
  seen(): Promise<MessageRecord | undefined>;
}

/** The commit found this msgid answered before (a re-sent callback): its reply, nothing written. */
export class AnsweredBefore extends Error {
  constructor(readonly record: MessageRecord) {
    super('answered before');
  }
}
