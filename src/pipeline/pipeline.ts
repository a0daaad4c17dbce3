import type { Clock } from '../clock';
import type { Org } from '../domain/org';
import type { Logger } from '../log/logger';
import type { Metrics } from '../observability/metrics';
import { cleanInput } from '../parsing/clean-input';
import { stripLeadingForeignMentions } from '../parsing/mentions';
import { peopleIndex } from '../parsing/people';
import { unitIndex } from '../parsing/units';
import type { Draft, DraftStore } from '../store/draft-store';
import type { LedgerStore } from '../store/ledger-store';
import type { MessageLog } from '../store/message-log';
import type { RecordStores } from '../store/record-stores';
import type { Inbound, IncomingMessage, Reply } from '../transport/types';
import { renderWelcome } from '../rendering/welcome';
import { handleCardAction } from './card-actions';
import type { Jobs } from './jobs';
import { MAX_COMMAND_TEXT, type SignInLinks } from './command';
import { mayRun, roleRefusal, runRouted, type Handled, type Read } from './boundary';
import { recorded, runOnce } from './once';
import type { CommandRegistry } from './registry';
import { refIn, route, splitCommand, type Route } from './route';
import { issueRefIn, type LoosePhotos } from './loose-photos';
import { AnsweredBefore, type OnceCommit } from './once-commit';
import type { HeldPhoto } from '../store/evidence-held';
import type { OrgReloader } from '../store/org-sync';

export interface PipelineDeps {
  org: () => Org;
  commands: CommandRegistry;
  messages: MessageLog;
  ledger: LedgerStore;
  drafts: DraftStore;
  records: RecordStores;
  jobs: Jobs;
  /** The dashboard's sign-in links, where this process serves HTTP. */
  signIns?: SignInLinks;
  /** /重新加载's way to ORG_FILE and the other instances (src/store/org-sync.ts). */
  orgReload?: OrgReloader;
  clock: Clock;
  logger: Logger;
  metrics?: Pick<Metrics, 'commands'>;
  /** Photos sent apart from their /整改 (src/pipeline/loose-photos.ts); absent: a lone photo gets the usual reply. */
  photos?: LoosePhotos;
  /** How long a card click may take before it is answered without an update (default CARD_ANSWER_BUDGET_MS; tests make it 0). */
  cardBudgetMs?: number;
}

export interface Pipeline {
  /**
   * Handles one message, card click or chat opening exactly once per msgid and returns the reply
   * to show (each transport encodes it in its own framing). What the reply does not wait for
   * (a change's timers, pushes, downloads) starts once the reply is on its way.
   */
  dispatch(inbound: Inbound): Promise<Reply>;
  /**
   * Resolves when every message being handled and the work after every reply so far are done
   * (graceful stop, tests).
   */
  idle(): Promise<void>;
}

/**
 * Work for after a reply (src/pipeline/follow-ups.ts). Collected while the message is handled and
 * started once the reply is out; work added later (a card click answered before its command
 * finished) starts as soon as it is added.
 */
interface AfterReply {
  add(work: () => Promise<void>): void;
  /** The reply is on its way: start what was collected, and anything added from now on. */
  release(): void;
}

/**
 * Longer text is refused before anything reads it (normalising 100 000 characters costs more than
 * a whole callback); the transports cut at the same bound and mark the message.
 */
const MAX_TEXT = 4000;

/**
 * read (well-formed text, sender, chat, quoted #id) → route (pure: command word, issue reference,
 * intent, draft continuation; src/pipeline/route.ts) → role check → once per msgid for commands
 * that change something (src/pipeline/once.ts) → run, with errors turned into replies at one
 * boundary (src/pipeline/boundary.ts).
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  // Same-process retries (WeCom re-sending while we still work) await the first attempt.
  const inFlight = new Map<string, Promise<Reply>>();
  const afterRunning = new Set<Promise<void>>();

  /** Runs one piece of work after a reply, tracked so idle() (and app.stop) wait for it. */
  function track(work: () => Promise<void>, requestId: string | undefined): void {
    const done = work().catch((err: unknown) => deps.logger.error({ err, reqId: requestId }, 'work after the reply failed'));
    afterRunning.add(done);
    void done.finally(() => afterRunning.delete(done));
  }

  /**
   * After the reply: the transport writes it in the microtasks that follow dispatch's answer, and
   * setImmediate runs only once those are done, so the reply is out before this work begins.
   */
  function afterReply(requestId: string | undefined): AfterReply {
    const waiting: (() => Promise<void>)[] = [];
    let released = false;
    return {
      add(work) {
        if (released) track(work, requestId);
        else waiting.push(work);
      },
      release() {
        released = true;
        if (!waiting.length) return;
        const all = waiting.splice(0);
        track(() => new Promise<void>((resolve) => setImmediate(resolve)).then(() => Promise.all(all.map((w) => w().catch((err: unknown) => deps.logger.error({ err, reqId: requestId }, 'work after the reply failed'))))).then(() => undefined), requestId);
      },
    };
  }

  function read(received: IncomingMessage): Read {
    // Well-formed text only (a lone surrogate, half an emoji, is replaced, never stored or sent
    // to Lua), without control or format characters (ESC, bidi overrides, zero-widths).
    const clean = (t: string) => cleanInput(t.toWellFormed());
    const message: IncomingMessage = {
      ...received,
      text: clean(received.text),
      ...(received.quote ? { quote: { ...received.quote, text: clean(received.quote.text.slice(0, MAX_TEXT)) } } : {}),
    };
    const org = deps.org();
    const people = peopleIndex(org);
    return {
      message,
      org,
      sender: org.membership(message.userId),
      chat: org.chat(message.chatId),
      text: stripLeadingForeignMentions(message.text, (name) => people.find(name) !== undefined || people.shared(name).length > 0),
      quotedRef: message.quote ? refIn(message.quote.text) : undefined,
    };
  }

  function routeOf(r: Read, draft: Draft | undefined): Route {
    const units = unitIndex(r.org);
    return route(
      {
        text: r.text,
        sender: r.sender,
        ...(r.quotedRef !== undefined ? { quotedRef: r.quotedRef } : {}),
        ...(draft ? { draft } : {}),
        isUnit: (word) => units.match(word).kind === 'one',
      },
      deps.commands,
    );
  }

  async function once(inbound: Inbound, after: AfterReply): Promise<Reply> {
    if (inbound.kind === 'enter') {
      return { markdown: renderWelcome(deps.org(), deps.org().membership(inbound.userId)), handled: { command: '-', outcome: 'welcome' } };
    }
    if (inbound.kind === 'action') return handleCardAction(deps, inbound, { runMessage: (m) => onceMessage(m, after) });
    return onceMessage(inbound, after);
  }

  async function onceMessage(received: IncomingMessage, after: AfterReply): Promise<Reply> {
    const started = performance.now();
    if (received.truncated || received.text.length > MAX_TEXT) {
      // Acting on the first part of a message could do something the rest took back.
      return { markdown: `⚠️ 内容太长了，请控制在 ${MAX_COMMAND_TEXT} 字以内；这条消息没有处理。`, handled: { command: '-', outcome: 'too_long' } };
    }
    const r = read(received);
    let draft: Draft | undefined;
    if (!splitCommand(r.text) && r.quotedRef === undefined) {
      // Plain text may answer a dialogue: read the draft, and the record of an earlier attempt
      // (a re-sent answer must get its first reply, the draft being gone by then). One batch.
      const [seen, found] = await Promise.all([deps.messages.peek(received.msgid), deps.drafts.get(received.chatId, received.userId)]);
      if (seen) return recorded(seen);
      draft = found;
    }
    const routed = (await deps.photos?.route(r, draft)) ?? routeOf(r, draft);
    let result: Handled;
    if (routed.kind === 'command' && !mayRun(routed.command, r.sender)) {
      // Refused on roles before anything is claimed or written.
      result = roleRefusal(routed.command, routed.typed, r.sender);
    } else if (routed.kind === 'command' && (routed.command.effects ?? 'writes') === 'writes') {
      if (!routed.continuing && routed.command.name !== 'cancel') {
        // A new command replaces a half-filled one (/取消 says so itself; a read such as /查看 or
        // 帮助 leaves it waiting). Not awaited: the DEL joins the command's first Redis batch, and
        // Redis runs it before anything the command writes (one connection, in order).
        deps.drafts.drop(received.chatId, received.userId).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message, reqId: received.requestId }, 'draft not dropped'));
      }
      const done = routed.command.once === 'commit' ? await runCommitted(r, routed, after) : await runOnce(deps, r.message, () => runRouted(deps, r, routed));
      if (!('command' in done)) return done;
      result = done;
    } else {
      result = await runRouted(deps, r, routed);
    }
    const { command, outcome } = result;
    deps.metrics?.commands.observe({ command, outcome }, (performance.now() - started) / 1000);
    // The transport logs the one line of this delivery with command and outcome; the text of a
    // message is personal, so only at debug.
    if (deps.logger.isLevelEnabled('debug')) deps.logger.debug({ reqId: received.requestId, msgid: received.msgid, text: r.message.text }, 'message text');
    return { markdown: result.markdown, ...(result.card ? { card: result.card } : {}), handled: { command, outcome } };
  }

  /**
   * A "commit" command (CommandMeta.once): no claim. Its first Redis batch reads the issue it
   * names and then the message's record — in that order, on one connection, so a record still
   * absent means no commit of this message came before those reads (commit-once.lua writes the
   * change and the record together), and deciding on them is safe. Its second batch is the commit,
   * which records the reply and writes the follow-ups down; they run after the reply.
   */
  async function runCommitted(r: Read, routed: Extract<Route, { kind: 'command' }>, after: AfterReply): Promise<Reply | Handled> {
    const command = routed.command;
    const msgid = r.message.msgid;
    const ref = command.takesIssue ? issueRefIn(routed.text, r.quotedRef) : undefined;
    const prefetched = ref !== undefined ? { id: ref, issue: deps.ledger.get(ref) } : undefined;
    // Consumed by the handler, or not at all (a refusal before it reads): never unhandled.
    prefetched?.issue.catch(() => undefined);
    const seen = command.takesIssue ? deps.messages.peek(msgid) : undefined;
    const held = deps.photos && command.name === 'fix' ? deps.photos.withHeld(r) : undefined;
    const [recordRead, heldRead] = await Promise.allSettled([seen, held]);
    const heldFix = heldRead.status === 'fulfilled' ? heldRead.value : undefined;
    const withPhotos = heldFix?.read ?? r;
    // A /整改's photos step (note the fix for photos that follow, take those held meanwhile) joins the commit's batch.
    let late: ReturnType<LoosePhotos['fixed']> | undefined;
    /** Every photo this attempt took goes back when its fix did not go through here. */
    const giveBack = async () => {
      if (heldFix) await photosBack(withPhotos, heldFix.taken);
      if (late) await late.then((l) => (l?.late.length ? photosBack(withPhotos, l.late) : undefined)).catch(() => undefined);
    };
    if (recordRead.status === 'rejected' || heldRead.status === 'rejected') {
      await giveBack();
      throw recordRead.status === 'rejected' ? recordRead.reason : (heldRead as PromiseRejectedResult).reason;
    }
    if (recordRead.value) {
      await giveBack();
      return recorded(recordRead.value);
    }
    const once: OnceCommit = { key: deps.messages.keyOf(msgid), ttlSeconds: deps.messages.answeredTtlSeconds, ...(routed.note ? { note: routed.note } : {}), recorded: false, seen: () => deps.messages.peek(msgid) };
    const onCommit = heldFix && deps.photos ? () => void (late ??= deps.photos!.fixed(withPhotos, routed.text)) : undefined;
    let done: Handled;
    try {
      done = await runRouted(deps, withPhotos, routed, { once, ...(prefetched ? { prefetched } : {}), afterReply: (w) => after.add(w), ...(onCommit ? { onCommit } : {}) });
    } catch (err) {
      await giveBack();
      if (err instanceof AnsweredBefore) return recorded(err.record);
      throw err;
    }
    if (done.outcome === 'ok' && !once.recorded) {
      // An answer that did not come from a commit (none of today's paths): recorded on its own.
      await deps.messages.complete(msgid, done).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message, reqId: r.message.requestId, msgid }, 'reply not recorded'));
    }
    if (!heldFix) return done;
    if (done.outcome === 'ok' && late) return photosOfFix(withPhotos, routed, done, late);
    await giveBack();
    return done;
  }

  /** A /整改 that did not go through gives back the held photos it took (logged, never failing the reply). */
  async function photosBack(r: Read, taken: readonly HeldPhoto[]): Promise<void> {
    if (!taken.length) return;
    await deps.photos!.refused(r, taken).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message, reqId: r.message.requestId }, 'held photos not put back'));
  }

  /**
   * After a /整改 was done: note it for the photos that follow, and add the photos held while it
   * ran (sent at the same moment, held before the fix could see them) as a supplement to it.
   */
  async function photosOfFix(r: Read, routed: Extract<Route, { kind: 'command' }>, done: Handled, fixed: ReturnType<LoosePhotos['fixed']>): Promise<Handled> {
    try {
      const after = await fixed;
      if (!after?.late.length) return done;
      const message: IncomingMessage = { ...r.message, msgid: `${r.message.msgid}+late`, text: '', media: after.late.map((h) => h.media) };
      const added = await runRouted(deps, { ...r, message, text: '' }, { kind: 'command', command: routed.command, text: `#${after.issueId}`, continuing: false, typed: routed.typed });
      if (added.outcome !== 'ok') {
        deps.logger.warn({ reqId: r.message.requestId, issue: after.issueId, outcome: added.outcome }, 'photos held during a fix not added to it');
        return done;
      }
      return { ...done, markdown: `${done.markdown}\n📎 同时发来的 ${after.late.length} 张照片也已附到 #${after.issueId}` };
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message, reqId: r.message.requestId }, 'photos of the fix not noted');
      return done;
    }
  }

  return {
    async dispatch(inbound) {
      const running = inFlight.get(inbound.msgid);
      if (running) return { ...(await running), handled: { command: '-', outcome: 'duplicate' } };
      // Registered before the first await, so a re-send arriving meanwhile joins this attempt.
      const after = afterReply(inbound.kind === 'enter' ? undefined : inbound.requestId);
      const work = once(inbound, after);
      inFlight.set(inbound.msgid, work);
      try {
        return await work;
      } finally {
        inFlight.delete(inbound.msgid);
        after.release();
      }
    },
    async idle() {
      // A message still being handled counts too: its caller may have gone (WeCom drops a
      // callback after 5 s) and the HTTP server closed without it, but its change still commits
      // and its follow-ups are queued only after that, so the queues must stay open for them.
      while (inFlight.size || afterRunning.size) {
        const handling = [...inFlight.values()].map((w) => w.catch(() => undefined));
        await Promise.all([...afterRunning, ...handling]);
      }
    },
  };
}
