import { createHash } from 'node:crypto';
import type { FileKind } from '../../jobs/files/file-request';
import type { FileTicket } from '../../jobs/files/file-jobs';
import type { Period } from '../parsing/period';
import type { CommandContext } from './command';
import type { Scope } from './scope';

/**
 * Asks the files worker for a file of a scope and period on behalf of the sender, to be pushed
 * into this chat. The id comes from the message: a re-sent callback whose reply was not stored
 * yet asks for the same file, never a second one. The link's lifetime is the policy's.
 */
export function orderFile(ctx: CommandContext, kind: FileKind, scope: Scope, period: Period): Promise<FileTicket> {
  return ctx.jobs.files.request({
    id: createHash('sha256').update(`${kind}:${ctx.message.msgid}`).digest('base64url').slice(0, 22),
    kind,
    requester: ctx.sender.userid,
    chatId: ctx.message.chatId,
    scope: { label: scope.label, unitIds: scope.units.map((u) => u.id) },
    period: { label: period.label, ...(period.months ? { months: [...period.months] } : {}) },
  });
}
