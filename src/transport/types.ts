/**
 * The seam between how a message arrived (webhook callback, long connection, terminal) and what
 * duban does with it. Like Slack Bolt's receivers: a transport only does crypto, framing, acking
 * and verification, then hands an IncomingMessage to `dispatch` and delivers the Reply.
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

export interface IncomingMessage {
  transport: 'webhook' | 'ws';
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

export interface Reply {
  /** Markdown (markdown_v2 subset) shown to the chat. */
  markdown: string;
  /**
   * The message is a re-send whose first attempt is still running elsewhere: the transport
   * should answer "in progress" in a way that lets it deliver the real reply later.
   */
  pending?: boolean;
  /** What the pipeline made of the message, for the transport's one log line per delivery. */
  handled?: { command: string; outcome: string };
}

export type Dispatch = (message: IncomingMessage) => Promise<Reply>;

export interface Transport {
  readonly name: string;
  start(dispatch: Dispatch): Promise<void>;
  stop(): Promise<void>;
}
