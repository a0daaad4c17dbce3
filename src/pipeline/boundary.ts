import type { Chat, Membership, Org } from '../domain/org';
import type { Logger } from '../log/logger';
import { describeAllowed } from '../rendering/roles';
import type { IncomingMessage } from '../transport/types';
import { asReply, commandInput, type Command, type CommandContext } from './command';
import type { TemplateCard } from '../transport/types';
import { DubanError, NeedInput, PermissionError, UsageError } from './errors';
import type { CommandRegistry } from './registry';
import type { Route } from './route';
import { AnsweredBefore } from './once-commit';
import { isRedisFailure } from '../store/redis-failure';

/** What the error boundary needs besides the message: the handlers' context parts. */
export type BoundaryDeps = Pick<CommandContext, 'clock' | 'ledger' | 'drafts' | 'jobs' | 'records' | 'signIns' | 'orgReload'> & {
  commands: CommandRegistry;
  logger: Logger;
};

/** The message as the pipeline reads it: well-formed text, the sender, the chat, a quoted #id. */
export interface Read {
  message: IncomingMessage;
  org: Org;
  sender: Membership;
  chat: Chat | undefined;
  /** The text without leading @mentions of other people. */
  text: string;
  quotedRef: number | undefined;
}

export interface Handled {
  markdown: string;
  card?: TemplateCard;
  command: string;
  outcome: string;
}

/** Whether the sender's roles allow the command at all (before any write, before the msgid claim). */
export function mayRun(command: Command, sender: Membership): boolean {
  return command.roles === 'anyone' || command.roles.some((role) => sender.roles.includes(role));
}

/** The refusal for a command the sender's roles do not allow, named as they typed it. */
export function roleRefusal(command: Command, typed: string, sender: Membership): Handled {
  const roles = command.roles === 'anyone' ? [] : command.roles;
  const refusal = renderError(new PermissionError(describeAllowed(roles)), typed);
  // A next step for the one who asked: a secretary's own commands, or who to ask.
  const next = sender.roles.includes('secretary')
    ? '\n你可以用：/我的（等你办理的）、/整改 #编号 整改情况、/延期 #编号 新期限 理由。'
    : sender.roles.length === 0
      ? '\n发送 /我是谁 查看你的身份；如需开通，请联系组织部。'
      : sender.roles.includes('member') && !sender.roles.includes('leader') && !sender.roles.includes('admin')
        ? `\n你可以用：/status（本片区整改进度）；${sender.memberOf[0] ? `需要时请${sender.memberOf[0].name}队长或组织部办理` : '需要时请队长或组织部办理'}。`
        : '';
  return { markdown: `${refusal}${next}`, command: command.name, outcome: 'permission' };
}

/**
 * Runs the routed command and turns every error into a reply: the one boundary. A missing field
 * keeps the command as a draft and asks for it.
 */
export async function runRouted(deps: BoundaryDeps, r: Read, routed: Route, extras: Pick<CommandContext, 'once' | 'prefetched' | 'afterReply' | 'onCommit'> = {}): Promise<Handled> {
  const { message, sender, quotedRef } = r;
  if (routed.kind === 'reply') return { markdown: routed.reply, command: '-', outcome: routed.outcome };
  const found = routed.command;
  const command = found.name;
  // Said first, so the reader knows at once how the message was read; never on a refusal,
  // which names the command itself.
  const withNote = (text: string) => (routed.note ? `${routed.note}\n${text}` : text);
  try {
    const ctx: CommandContext = {
      message: { ...message, text: r.text },
      sender,
      chat: r.chat,
      org: r.org,
      clock: deps.clock,
      commands: deps.commands,
      ledger: deps.ledger,
      drafts: deps.drafts,
      records: deps.records,
      jobs: deps.jobs,
      ...(deps.signIns ? { signIns: deps.signIns } : {}),
      ...(deps.orgReload ? { orgReload: deps.orgReload } : {}),
      ...(quotedRef !== undefined ? { quotedRef } : {}),
      ...extras,
    };
    // A bare number names the issue only when no quoted message does already.
    const bareRef = found.takesIssue === true && quotedRef === undefined;
    const answer = asReply(await found.execute(ctx, commandInput(routed.text, { bareRef })));
    // The command has done its work: a draft left behind (it expires) must not turn that into an
    // error reply. Not awaited: the DEL goes out with whatever the connection sends next.
    if (routed.continuing) void deps.drafts.drop(message.chatId, message.userId).catch(() => false);
    return { markdown: withNote(answer.markdown), ...(answer.card ? { card: answer.card } : {}), command, outcome: 'ok' };
  } catch (err) {
    // A re-sent message found answered at its commit: the pipeline answers with the first reply.
    if (err instanceof AnsweredBefore) throw err;
    if (err instanceof NeedInput) {
      await deps.drafts.save(message.chatId, message.userId, {
        command,
        text: err.draftText ?? routed.text,
        field: err.field,
        ...(quotedRef !== undefined ? { quotedRef } : {}),
        at: deps.clock.now().getTime(),
      });
      return { markdown: withNote(`❓ ${err.question}\n例如：${err.example}\n（10 分钟内回复即可；发送 \`/取消\` 放弃）`), command, outcome: 'asked' };
    }
    if (!(err instanceof DubanError)) deps.logger.error({ err, reqId: message.requestId, msgid: message.msgid, command }, 'command failed');
    // A "commit" command that failed on Redis (away, a dropped connection) has written nothing, or
    // all of it with its reply: the transport answers 503 and WeCom re-sends it. A bug is answered.
    if (extras.once && isRedisFailure(err)) throw err;
    if (routed.continuing) await deps.drafts.drop(message.chatId, message.userId).catch(() => false);
    return { markdown: renderError(err, routed.typed), command, outcome: err instanceof DubanError ? err.code : 'error' };
  }
}

/** The one error boundary's words: ⚠️ with an example, or 无权限 with the real reason or who may. */
export function renderError(err: unknown, command?: string): string {
  if (err instanceof PermissionError) {
    if (err.reason) return `无权限：${err.reason}${/[。！？]$/u.test(err.reason) ? '' : '。'}`;
    return `无权限：${command ?? '该命令'} 仅限${err.allowed}使用。`;
  }
  if (err instanceof UsageError || (err instanceof DubanError && 'example' in err)) {
    const example = (err as UsageError).example;
    return `⚠️ ${err.message}${example ? `\n例如：\`${example}\`` : ''}`;
  }
  if (err instanceof DubanError) return `⚠️ ${err.message}`;
  return '⚠️ 处理这条消息时出错了，请稍后再试；如果一直不行，请联系组织部。';
}
