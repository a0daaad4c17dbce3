import type { Clock } from '../clock';
import type { Org } from '../domain/org';
import type { Logger } from '../log/logger';
import { stripLeadingForeignMentions } from '../parsing/mentions';
import { peopleIndex } from '../parsing/people';
import { describeAllowed } from '../rendering/roles';
import type { MessageLog } from '../store/message-log';
import type { IncomingMessage, Reply } from '../transport/types';
import type { CommandContext, CommandInput } from './command';
import { DubanError, PermissionError, UsageError } from './errors';
import { CommandRegistry, displayName } from './registry';

export interface PipelineDeps {
  org: () => Org;
  commands: CommandRegistry;
  messages: MessageLog;
  clock: Clock;
  logger: Logger;
}

export interface Pipeline {
  /** Handles one message exactly once per msgid and returns the reply to show. */
  dispatch(message: IncomingMessage): Promise<Reply>;
}

/**
 * normalise → drop a seen msgid → resolve the sender → match the command → check roles →
 * parse args → run → render. Errors are turned into replies at one boundary (renderError).
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  // Same-process retries (WeCom re-sending while we still work) await the first attempt.
  const inFlight = new Map<string, Promise<Reply>>();

  async function handle(message: IncomingMessage): Promise<Reply> {
    const started = performance.now();
    const org = deps.org();
    const sender = org.membership(message.userId);
    const chat = org.chat(message.chatId);
    const people = peopleIndex(org);
    const text = stripLeadingForeignMentions(message.text, (name) => people.find(name) !== undefined);
    const log = deps.logger.child({ reqId: message.requestId, msgid: message.msgid, user: message.userId, chat: message.chatId });
    let command = '-';
    let outcome = 'ok';
    let markdown: string;
    try {
      const parsed = splitCommand(text);
      if (!parsed) {
        outcome = 'not_command';
        markdown = text ? `⚠️ 没有看懂这条消息。命令以 / 开头，例如 \`/帮助\`。` : '您好，我是督办助手。发送 `/帮助` 查看可用命令。';
      } else {
        const found = deps.commands.find(parsed.word);
        if (!found) {
          outcome = 'unknown_command';
          const near = deps.commands.suggest(parsed.word).map(displayName);
          markdown = `⚠️ 没有 /${parsed.word} 这个命令。${near.length ? `你是不是想用 ${near.join(' ')}？` : ''}发送 \`/帮助\` 查看全部命令。`;
        } else {
          command = found.name;
          if (found.roles !== 'anyone' && !found.roles.some((r) => sender.roles.includes(r))) {
            throw new PermissionError(describeAllowed(found.roles));
          }
          const ctx: CommandContext = { message: { ...message, text }, sender, chat, org, clock: deps.clock, commands: deps.commands };
          markdown = await found.execute(ctx, parsed.input);
        }
      }
    } catch (err) {
      outcome = err instanceof DubanError ? err.code : 'error';
      if (!(err instanceof DubanError)) log.error({ err, command }, 'command failed');
      markdown = renderError(err, command === '-' ? undefined : `/${deps.commands.find(command)?.aliases[0] ?? command}`);
    }
    log.info({ command, outcome, ms: Math.round(performance.now() - started) }, 'message handled');
    log.debug({ text: message.text }, 'message text');
    return { markdown };
  }

  return {
    async dispatch(message) {
      const running = inFlight.get(message.msgid);
      if (running) return running;
      // Registered before the first await, so a re-send arriving meanwhile joins this attempt.
      const work = (async (): Promise<Reply> => {
        const claim = await deps.messages.claim(message.msgid);
        if (claim !== 'claimed') {
          deps.logger.info({ reqId: message.requestId, msgid: message.msgid, outcome: 'duplicate' }, 'message handled');
          return claim.status === 'done' ? { markdown: claim.markdown } : { markdown: '处理中…', pending: true };
        }
        const reply = await handle(message);
        await deps.messages.complete(message.msgid, reply.markdown);
        return reply;
      })();
      inFlight.set(message.msgid, work);
      try {
        return await work;
      } finally {
        inFlight.delete(message.msgid);
      }
    },
  };
}

/** "/帮助 我是谁" → word "帮助", input. Returns undefined when the text is not a command. */
export function splitCommand(text: string): { word: string; input: CommandInput } | undefined {
  const m = /^[/／]\s*(\S+)\s*([\s\S]*)$/u.exec(text.trim());
  if (!m) return undefined;
  const rest = m[2]!.trim();
  return { word: m[1]!, input: { text: rest, words: rest ? rest.split(/\s+/u) : [] } };
}

/** The one error boundary: ⚠️ with an example, or 无权限 naming who may. */
export function renderError(err: unknown, command?: string): string {
  if (err instanceof PermissionError) return `无权限：${command ?? '该命令'} 仅限${err.allowed}使用。`;
  if (err instanceof UsageError || (err instanceof DubanError && 'example' in err)) {
    const example = (err as UsageError).example;
    return `⚠️ ${err.message}${example ? `\n例如：\`${example}\`` : ''}`;
  }
  if (err instanceof DubanError) return `⚠️ ${err.message}`;
  return '⚠️ 处理这条消息时出错了，请稍后再试；如果一直不行，请联系组织部。';
}
