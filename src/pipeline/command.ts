import { z } from 'zod';
import type { Clock } from '../clock';
import type { Chat, Membership, Org, Role } from '../domain/org';
import type { FieldName, ParsedArgs } from '../parsing/args';
import { parseArgs, type ParseOptions } from '../parsing/args';
import type { DraftStore } from '../store/draft-store';
import type { LedgerStore } from '../store/ledger-store';
import type { OrgReloader } from '../store/org-sync';
import type { RecordStores } from '../store/record-stores';
import type { IncomingMessage, TemplateCard } from '../transport/types';
import type { Jobs } from './jobs';
import { UsageError } from './errors';
import type { Issue } from '../domain/issue';
import type { OnceCommit } from './once-commit';

/** What follows the command word: the raw remainder, its words, and its grammar (docs/design.md §4). */
export interface CommandInput {
  text: string;
  words: string[];
  args: ParsedArgs;
}

/** The longest command text a handler reads; longer is refused with a usage reply. */
export const MAX_COMMAND_TEXT = 2000;

export function commandInput(text: string, options: ParseOptions = {}): CommandInput {
  const rest = text.trim();
  // Text over the limit is refused by the input schema; it is not worth parsing first.
  // Counted in characters, as the schema counts them.
  const args = parseArgs(rest.length > MAX_COMMAND_TEXT && [...rest].length > MAX_COMMAND_TEXT ? '' : rest, options);
  return { text: rest, words: rest ? rest.split(/\s+/u) : [], args };
}

/** The narrow view a handler gets: never the raw callback, never the transport. */
export interface CommandContext {
  message: IncomingMessage;
  sender: Membership;
  /** The chat's entry in the org file, when the chat is registered there. */
  chat: Chat | undefined;
  org: Org;
  clock: Clock;
  commands: CommandCatalog;
  ledger: LedgerStore;
  drafts: DraftStore;
  /** The department's records: 典型经验 and 走访. */
  records: RecordStores;
  /** Pushes, per-issue timers, files, evidence downloads: the jobs port (src/pipeline/jobs.ts). */
  jobs: Jobs;
  /** The issue named in a quoted bot message, when the user replied by quoting one. */
  quotedRef?: number;
  /** The dashboard's one-time sign-in links (/看板); absent where no HTTP server serves them. */
  signIns?: SignInLinks;
  /** A "commit" command's message (CommandMeta.once): its commit records the reply (src/pipeline/once-commit.ts). */
  once?: OnceCommit;
  /** The issue the command names, read with the message's first Redis batch (src/pipeline/prefetch.ts). */
  prefetched?: { id: number; issue: Promise<Issue | undefined> };
  /** Work for after the reply is sent (timers, pushes, downloads); absent: done before it, awaited. */
  afterReply?: (work: () => Promise<void>) => void;
  /** Called once, in the same tick as the commit is sent, with the issue's id (a /整改's photos step joins its batch). */
  onCommit?: (issueId: number) => void;
  /** Re-reads ORG_FILE and switches every instance (/重新加载); absent where no file is known. */
  orgReload?: OrgReloader;
}

/** Makes a person's one-time dashboard sign-in link (docs/design.md §7.4). */
export interface SignInLinks {
  issue(userid: string): Promise<{ url: string; expiresAt: number }>;
}

export interface CommandMeta {
  /** Canonical English name, without the slash: "help". */
  name: string;
  /** Chinese (and other) names, without the slash; the first is the one shown to users. */
  aliases: readonly string[];
  /** Who may run it; "anyone" includes people not in the org file. */
  roles: 'anyone' | readonly Role[];
  summary: string;
  usage: string;
  example: string;
  /**
   * "reads": the command only reads, so running it again for a re-sent callback is harmless and
   * it skips the once-per-msgid claim (two Redis writes). Default "writes".
   */
  effects?: 'reads' | 'writes';
  /**
   * "commit": a write whose whole effect is one ledger commit made through commitChange
   * (src/pipeline/issue-actions.ts). It takes no claim: the commit script looks up the msgid, writes
   * the change and records the reply in one step (src/store/lua/commit-once.lua), and what the
   * reply does not wait for runs after it (src/pipeline/follow-ups.ts). Default: claim, run, record.
   */
  once?: 'commit';
  /**
   * The command acts on one issue (`#12`): a bare number as its first word is the issue
   * (`/销号 2`), and the no-slash reader may route "12号已整改" to it.
   */
  takesIssue?: boolean;
  /**
   * The command writes to many units at once (/布置): without the slash it is only offered, never
   * run, however plainly it is said (docs/design.md §4.11).
   */
  broadcasts?: boolean;
  /**
   * The `key:value` fields the command reads (docs/design.md §4.4); any other is refused before
   * the command runs, so a field is never dropped silently. Default: DEFAULT_FIELDS.
   */
  fields?: readonly FieldName[];
}

/** The fields every command was given before 范围, 效果 and 评价: only those who read them use them. */
export const DEFAULT_FIELDS: readonly FieldName[] = ['deadline', 'assignee', 'unit', 'category', 'source'];

/** How a refused field is named, and the command (by name) where it belongs, with an example there. */
const FIELD_HOMES: Record<FieldName, { label: string; home: string; where: string; example: (ctx: CommandContext, ref: number) => string | undefined }> = {
  deadline: { label: '期限', home: 'report', where: '上报、交办或延期', example: () => undefined },
  assignee: { label: '责任人', home: 'assign', where: '上报或交办', example: () => undefined },
  unit: { label: '单位', home: 'report', where: '上报', example: () => undefined },
  category: { label: '类别', home: 'report', where: '上报', example: () => undefined },
  source: { label: '来源', home: 'report', where: '上报', example: () => undefined },
  scope: { label: '范围', home: 'assign-task', where: '布置任务或开始巡查', example: () => undefined },
  grade: { label: '效果', home: 'verify', where: '销号', example: (ctx, ref) => `/销号 #${ref} 效果:${ctx.org.policy.grades[0]!.word}` },
  rating: { label: '评价', home: 'revisit', where: '回访', example: (ctx, ref) => `/回访 #${ref} 正常 评价:${ctx.org.policy.ratings[0]!.word}` },
};

/** Refuses a field the command does not read: `评价请在回访时填写`, with an example where it belongs. */
function refuseForeignFields(ctx: CommandContext, meta: CommandMeta, args: ParsedArgs): void {
  const takes = meta.fields ?? DEFAULT_FIELDS;
  const foreign = (Object.keys(args.fields) as FieldName[]).find((f) => !takes.includes(f));
  if (foreign === undefined) return;
  const home = FIELD_HOMES[foreign];
  const example = home.example(ctx, args.refs[0] ?? ctx.quotedRef ?? 12) ?? ctx.commands.find(home.home)?.example;
  throw new UsageError(`${home.label}请在${home.where}时填写`, example);
}

/**
 * What a command answers: its markdown, and a card with buttons where one helps (an assignment,
 * a fix waiting for verification). The markdown is always the whole answer: a client that does
 * not render cards shows only it.
 */
export interface CommandReply {
  markdown: string;
  card?: TemplateCard;
}

/** A command's answer as markdown and card, whichever of the two shapes it returned. */
export function asReply(answer: string | CommandReply): CommandReply {
  return typeof answer === 'string' ? { markdown: answer } : answer;
}

export interface CommandSpec<A> extends CommandMeta {
  /** Validates the input (CommandInput) into the handler's arguments; messages are Chinese. */
  args: z.ZodType<A>;
  run(ctx: CommandContext, args: A): Promise<string | CommandReply>;
}

/** A command with its argument type erased behind parse-then-run, so registries hold one type. */
export interface Command extends CommandMeta {
  execute(ctx: CommandContext, input: CommandInput): Promise<string | CommandReply>;
}

export interface CommandCatalog {
  all(): readonly Command[];
  find(word: string): Command | undefined;
}

export function defineCommand<A>(spec: CommandSpec<A>): Command {
  const { args, run, ...meta } = spec;
  return {
    ...meta,
    async execute(ctx, input) {
      refuseForeignFields(ctx, meta, input.args);
      const parsed = args.safeParse(input);
      if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? '参数不对', `${spec.example}`);
      return run(ctx, parsed.data);
    },
  };
}

/** Input schema for commands that read the grammar themselves: bounds the size, keeps the parse. */
export const grammarInput = z.object({
  text: z.string().max(MAX_COMMAND_TEXT, `内容太长了，请控制在 ${MAX_COMMAND_TEXT} 字以内`),
  words: z.array(z.string()),
  args: z.custom<ParsedArgs>((v) => typeof v === 'object' && v !== null),
});

/** Input schema for commands that take nothing. */
export const noArgs = z.object({ words: z.array(z.string()).max(0, '这个命令不需要参数') }).transform(() => ({}));
