import type { TemplateCard } from './template-card';

export type { TemplateCard } from './template-card';

/**
 * The seam between how a message arrived (webhook callback, long connection, terminal) and what
 * duban does with it. Like Slack Bolt's receivers: a transport only does crypto, framing, acking
 * and verification, then hands an Inbound (a message, a card click, a chat opened) to `dispatch`
 * and delivers the Reply in its own framing.
 */
export interface MediaRef {
  kind: 'image' | 'file' | 'video';
  url: string;
  /** Per-URL key on the long connection; callback-mode media use the EncodingAESKey. */
  aesKey?: string;
}

export interface QuotedMessage {
  text: string;
  media: MediaRef[];
}

export type TransportName = 'webhook' | 'ws';

export interface IncomingMessage {
  /** Optional so that a bare message is an Inbound; the other kinds always say theirs. */
  kind?: 'message';
  transport: TransportName;
  msgid: string;
  chatType: 'group' | 'single';
  /** Group chatid, or the sender's userid in a single chat (how WeCom addresses single chats). */
  chatId: string;
  userId: string;
  /** What the user typed, with the bot's @mention removed and whitespace trimmed. */
  text: string;
  quote?: QuotedMessage;
  /** The transport cut the text at its limit: the message is refused, never acted on in part. */
  truncated?: boolean;
  media: MediaRef[];
  /** One-shot proactive reply URL (valid 1 h), when the transport got one. */
  responseUrl?: string;
  /** Correlates the log lines of one delivery (the HTTP request id, the frame's req_id). */
  requestId?: string;
}

/**
 * A click on a button of a template card duban sent (template_card_event): it acts with the
 * clicker's identity, once per msgid, and is answered within WeCom's 5 s.
 */
export interface CardAction {
  kind: 'action';
  transport: TransportName;
  msgid: string;
  chatType: 'group' | 'single';
  /** As for messages: the group chatid, or the clicker's userid in a single chat. */
  chatId: string;
  /** The clicker. */
  userId: string;
  /** The card's task_id, as duban set it when sending the card. */
  taskId: string;
  /** The clicked button's key. */
  eventKey: string;
  /** One-shot proactive reply URL (webhook mode), for words the card update cannot carry. */
  responseUrl?: string;
  requestId?: string;
}

/** Someone opened the bot's single chat (enter_chat): answered with the welcome. */
export interface ChatEntered {
  kind: 'enter';
  transport: TransportName;
  msgid: string;
  userId: string;
  requestId?: string;
}

export type Inbound = IncomingMessage | CardAction | ChatEntered;

export interface Reply {
  /**
   * Markdown (markdown_v2 subset) shown to the chat; always the whole answer, so a client that
   * does not render cards loses nothing. For a CardAction: words besides the card update (a
   * question the click asks), sent as a message of its own; empty when the card says it all.
   * For ChatEntered: the welcome text.
   */
  markdown: string;
  /**
   * For a message: a card sent with the answer (webhook: stream_with_template_card; ws: a card
   * reply after the text). For a CardAction: the card that replaces the clicked one
   * (update_template_card); absent, the clicked card stays as it is.
   */
  card?: TemplateCard;
  /**
   * The message is a re-send whose first attempt is still running elsewhere: the transport
   * should answer "in progress" in a way that lets it deliver the real reply later.
   */
  pending?: boolean;
  /** What the pipeline made of the message, for the transport's one log line per delivery. */
  handled?: { command: string; outcome: string };
}

export type Dispatch = (inbound: Inbound) => Promise<Reply>;

export interface Transport {
  readonly name: string;
  start(dispatch: Dispatch): Promise<void>;
  stop(): Promise<void>;
}
