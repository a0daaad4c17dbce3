import type { JobsClient } from '../../jobs';
import type { Clock } from '../clock';
import type { Chat, Membership, Org } from '../domain/org';
import type { Logger } from '../log/logger';
import type { Metrics } from '../observability/metrics';
import { stripLeadingForeignMentions } from '../parsing/mentions';
import { normalizeText } from '../parsing/normalize';
import { peopleIndex } from '../parsing/people';
import { clipForReply } from '../rendering/clip';
import { describeAllowed } from '../rendering/roles';
import type { Draft, DraftStore } from '../store/draft-store';
import type { LedgerStore } from '../store/ledger-store';
import type { MessageLog, MessageRecord } from '../store/message-log';
import type { IncomingMessage, Reply } from '../transport/types';
import { commandInput, type Command, type CommandContext } from './command';
import { DubanError, NeedInput, PermissionError, UsageError, type DraftField } from './errors';
import { CommandRegistry, displayName } from './registry';

export interface PipelineDeps {
  org: () => Org;
  commands: CommandRegistry;
  messages: MessageLog;
  ledger: LedgerStore;
  drafts: DraftStore;
  jobs: JobsClient;
  clock: Clock;
  logger: Logger;
  metrics?: Pick<Metrics, 'commands'>;
}

export interface Pipeline {
  /** Handles one message exactly once per msgid and returns the reply to show. */
  dispatch(message: IncomingMessage): Promise<Reply>;
}

/** What a message asks for once read: a command with its input, or a reply to give directly. */
type Route = { command: Command; text: string; continuing: boolean } | { reply: string; outcome: string };

/**
 * normalise → resolve the sender → route (command, quote reply, dialogue answer) → claim the
 * msgid if the command changes something (a re-send gets the first reply) → check roles → parse
 * args → run → render. Errors become replies at one boundary.
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  // Same-process retries (WeCom re-sending while we still work) await the first attempt.
  const inFlight = new Map<string, Promise<Reply>>();

  /** What the message asks for. The draft matters only to plain text (a dialogue answer). */
  function route(r: Read, draft: Draft | undefined): Route {
    const { message, text, sender, quotedRef } = r;
    const split = splitCommand(text);
    if (split) {
      const command = deps.commands.find(split.word);
      if (!command) {
        const near = deps.commands.suggest(split.word).map(displayName);
        return {
          reply: `⚠️ 没有 /${clipForReply(split.word)} 这个命令。${near.length ? `你是不是想用 ${near.join(' ')}？` : ''}发送 \`/帮助\` 查看全部命令。`,
          outcome: 'unknown_command',
        };
      }
      // A new command replaces a half-filled one (/取消 says so itself). Not awaited: the DEL
      // joins the command's first Redis batch, and Redis runs it before anything the command
      // writes (one connection, in order).
      if (command.name !== 'cancel') {
        deps.drafts.drop(message.chatId, message.userId).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message, reqId: message.requestId }, 'draft not dropped'));
      }
      return { command, text: split.rest, continuing: false };
    }
    if (quotedRef !== undefined) {
      // "驳回 照片不清楚" quoting #12: a command word without the slash.
      const [first = '', ...more] = text.split(/\s+/u);
      const named = first ? deps.commands.find(first) : undefined;
      if (named) return { command: named, text: more.join(' '), continuing: false };
      // A secretary quoting the assignment and writing what was done reports the fix.
      if (text && sender.roles.includes('secretary')) return { command: deps.commands.find('fix')!, text, continuing: false };
      return {
        reply: `⚠️ 回复 #${quotedRef} 时请写明要做什么，例如：\`/销号\`、\`/驳回 照片看不清闸阀\` 或 \`/查看\`。`,
        outcome: 'quote_without_command',
      };
    }
    if (draft && text) {
      const command = deps.commands.find(draft.command);
      if (command) return { command, text: continueDraft(draft.field, draft.text, text), continuing: true };
    }
    return text
      ? { reply: '⚠️ 没有看懂这条消息。命令以 / 开头，例如 `/帮助`。', outcome: 'not_command' }
      : { reply: '您好，我是督办助手。发送 `/帮助` 查看可用命令。', outcome: 'not_command' };
  }

  /** The message as the pipeline reads it: well-formed text, the sender, the chat, a quoted #id. */
  function read(received: IncomingMessage): Read {
    // Well-formed text only: a lone surrogate (half an emoji) is replaced, never stored or sent to Lua.
    const message: IncomingMessage = {
      ...received,
      text: received.text.toWellFormed(),
      ...(received.quote ? { quote: { ...received.quote, text: received.quote.text.toWellFormed() } } : {}),
    };
    const org = deps.org();
    const people = peopleIndex(org);
    return {
      message,
      org,
      sender: org.membership(message.userId),
      chat: org.chat(message.chatId),
      text: stripLeadingForeignMentions(message.text, (name) => people.find(name) !== undefined),
      quotedRef: message.quote ? refIn(message.quote.text) : undefined,
    };
  }

  /** Checks roles, runs the command and turns every error into a reply (one boundary). */
  async function handle(r: Read, routed: Route): Promise<{ markdown: string; command: string; outcome: string }> {
    const { message, sender, quotedRef } = r;
    if ('reply' in routed) return { markdown: routed.reply, command: '-', outcome: routed.outcome };
    const found = routed.command;
    const command = found.name;
    try {
      if (found.roles !== 'anyone' && !found.roles.some((role) => sender.roles.includes(role))) {
        throw new PermissionError(describeAllowed(found.roles));
      }
      const ctx: CommandContext = {
        message: { ...message, text: r.text },
        sender,
        chat: r.chat,
        org: r.org,
        clock: deps.clock,
        commands: deps.commands,
        ledger: deps.ledger,
        drafts: deps.drafts,
        jobs: deps.jobs,
        ...(quotedRef !== undefined ? { quotedRef } : {}),
      };
      const markdown = await found.execute(ctx, commandInput(routed.text));
      if (routed.continuing) await deps.drafts.drop(message.chatId, message.userId);
      return { markdown, command, outcome: 'ok' };
    } catch (err) {
      if (err instanceof NeedInput) {
        await deps.drafts.save(message.chatId, message.userId, {
          command,
          text: err.draftText ?? routed.text,
          field: err.field,
          ...(quotedRef !== undefined ? { quotedRef } : {}),
          at: deps.clock.now().getTime(),
        });
        return { markdown: `❓ ${err.question}\n例如：${err.example}\n（10 分钟内回复即可；发送 \`/取消\` 放弃）`, command, outcome: 'asked' };
      }
      if (!(err instanceof DubanError)) deps.logger.error({ err, reqId: message.requestId, msgid: message.msgid, command }, 'command failed');
      if (routed.continuing) await deps.drafts.drop(message.chatId, message.userId).catch(() => false);
      return { markdown: renderError(err, displayName(found)), command, outcome: err instanceof DubanError ? err.code : 'error' };
    }
  }

  /**
   * Once per msgid: a callback seen before gets its recorded answer. Commands that change
   * something claim the msgid (SET NX) before running and record their reply; commands that
   * only read, and replies that are not commands, skip both writes — running them again for a
   * re-send is harmless. Unanswered: the claim is released (or its lease runs out).
   */
  async function once(received: IncomingMessage): Promise<Reply> {
    const started = performance.now();
    const r = read(received);
    let draft: Draft | undefined;
    if (!splitCommand(r.text) && r.quotedRef === undefined) {
      // Plain text may answer a dialogue: read the draft, and the record of an earlier attempt
      // (a re-sent answer must get its first reply, the draft being gone by then). One batch.
      const [seen, found] = await Promise.all([deps.messages.peek(received.msgid), deps.drafts.get(received.chatId, received.userId)]);
      if (seen) return recorded(seen);
      draft = found;
    }
    const routed = route(r, draft);
    const writes = 'command' in routed && (routed.command.effects ?? 'writes') === 'writes';
    if (writes) {
      const claim = await deps.messages.claim(received.msgid);
      if (claim !== 'claimed') return recorded(claim);
    }
    let result: { markdown: string; command: string; outcome: string };
    try {
      result = await handle(r, routed);
    } catch (err) {
      // Nothing was answered: let WeCom's retry run it rather than find a pending claim.
      if (writes) await deps.messages.release(received.msgid).catch(() => undefined);
      throw err;
    }
    if (writes) {
      try {
        await deps.messages.complete(received.msgid, result.markdown);
      } catch (err) {
        // The work is done: answer it. A retry is unlikely once answered, and the claim's
        // lease runs out on its own.
        deps.logger.warn({ err: (err as Error).message, reqId: received.requestId, msgid: received.msgid }, 'reply not recorded');
      }
    }
    const { command, outcome } = result;
    deps.metrics?.commands.observe({ command, outcome }, (performance.now() - started) / 1000);
    // The transport logs the one line of this delivery with command and outcome; the text of a
    // message is personal, so only at debug.
    if (deps.logger.isLevelEnabled('debug')) deps.logger.debug({ reqId: received.requestId, msgid: received.msgid, text: r.message.text }, 'message text');
    return { markdown: result.markdown, handled: { command, outcome } };
  }

  return {
    async dispatch(message) {
      const running = inFlight.get(message.msgid);
      if (running) return { ...(await running), handled: { command: '-', outcome: 'duplicate' } };
      // Registered before the first await, so a re-send arriving meanwhile joins this attempt.
      const work = once(message);
      inFlight.set(message.msgid, work);
      try {
        return await work;
      } finally {
        inFlight.delete(message.msgid);
      }
    },
  };
}

/** The answer recorded for a msgid seen before: its reply, or "in progress" while it runs elsewhere. */
function recorded(record: MessageRecord): Reply {
  const handled = { command: '-', outcome: 'duplicate' };
  return record.status === 'done' ? { markdown: record.markdown, handled } : { markdown: '处理中…', pending: true, handled };
}

interface Read {
  message: IncomingMessage;
  org: Org;
  sender: Membership;
  chat: Chat | undefined;
  /** The text without leading @mentions of other people. */
  text: string;
  quotedRef: number | undefined;
}

/** "/帮助 我是谁" → word "帮助" and the rest. Undefined when the text is not a command. */
export function splitCommand(text: string): { word: string; rest: string } | undefined {
  const m = /^[/／]\s*(\S+)\s*([\s\S]*)$/u.exec(text.trim());
  if (!m) return undefined;
  return { word: m[1]!, rest: m[2]!.trim() };
}

/** The first "#12" in a quoted bot message. */
export function refIn(text: string): number | undefined {
  const m = /#(\d{1,9})/.exec(normalizeText(text));
  return m ? Number(m[1]) : undefined;
}

/**
 * The command text once the answer is added: an issue number goes first, where the grammar
 * reads references ("12" or "12号" becomes "#12"); anything else is appended.
 */
export function continueDraft(field: DraftField, draftText: string, answer: string): string {
  if (field === 'ref') {
    const m = /^[#＃]?\s*(\d{1,9})\s*号?$/u.exec(normalizeText(answer).trim());
    return `${m ? `#${m[1]}` : answer} ${draftText}`.trim();
  }
  return `${draftText} ${answer}`.trim();
}

/** The one error boundary: ⚠️ with an example, or 无权限 naming who may. */
export function renderError(err: unknown, command?: string): string {
  if (err instanceof PermissionError) return err.reason ? `无权限：${err.reason}。` : `无权限：${command ?? '该命令'} 仅限${err.allowed}使用。`;
  if (err instanceof UsageError || (err instanceof DubanError && 'example' in err)) {
    const example = (err as UsageError).example;
    return `⚠️ ${err.message}${example ? `\n例如：\`${example}\`` : ''}`;
  }
  if (err instanceof DubanError) return `⚠️ ${err.message}`;
  return '⚠️ 处理这条消息时出错了，请稍后再试；如果一直不行，请联系组织部。';
}
