import type { RedisClient } from '../../src/store/redis';
import { z } from 'zod';
import type { Logger } from '../../src/log/logger';
import type { Push } from '../push';

/**
 * Where a push goes. The group robot (消息推送) webhook is the only WeCom path that can @ a
 * person (docs/wecom-protocol.md §4); a chat without one writes to the sink: the log and a Redis stream
 * the terminal client shows (the demo, or a chat not yet connected).
 */
export interface Channel {
  readonly name: string;
  send(push: Push): Promise<void>;
}

/** A WeCom refusal that retrying will not fix (bad key, robot removed, bad content). */
export class PermanentSendError extends Error {
  constructor(
    readonly errcode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Over WeCom's frequency limit (45009): wait, do not count it as a failure. */
export class ThrottledError extends Error {}

/** errcodes that will not change on retry (docs/wecom-protocol.md §4.4). */
const PERMANENT = new Set([93000, 93004, 93008, 40008, 44004, 45002, 40007, 45001, 40006]);

const responseSchema = z.object({ errcode: z.number(), errmsg: z.string().optional() });

/** Text ≤ 2048 bytes, markdown ≤ 4096: cut at a line break and say so. */
export function fitBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  const tail = '\n…（内容过长，已截断，请用 /清单 查看全部）';
  let out = '';
  for (const line of text.split('\n')) {
    if (Buffer.byteLength(out + line + '\n' + tail) > max) break;
    out += line + '\n';
  }
  return out + tail.trimStart();
}

export class WebhookChannel implements Channel {
  readonly name = 'webhook';
  constructor(
    private readonly apiBase: string,
    private readonly key: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(push: Push): Promise<void> {
    const body =
      push.format === 'text'
        ? { msgtype: 'text', text: { content: fitBytes(push.content, 2048), mentioned_list: push.mentions } }
        : { msgtype: 'markdown', markdown: { content: fitBytes(push.content + push.mentions.map((u) => ` <@${u}>`).join(''), 4096) } };
    const res = await fetch(`${this.apiBase}/cgi-bin/webhook/send?key=${encodeURIComponent(this.key)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`group robot answered HTTP ${res.status}`);
    const parsed = responseSchema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new Error('group robot answered something that is not {errcode}');
    const { errcode } = parsed.data;
    if (errcode === 0) return;
    if (errcode === 45009) throw new ThrottledError('group robot frequency limit (45009)');
    // Check errcode, never errmsg (docs/wecom-protocol.md §4.4); errmsg may carry hints with the caller's IP.
    if (PERMANENT.has(errcode)) throw new PermanentSendError(errcode, `group robot refused: errcode ${errcode}`);
    throw new Error(`group robot errcode ${errcode}`);
  }
}

export class SinkChannel implements Channel {
  readonly name = 'sink';
  constructor(
    private readonly redis: RedisClient,
    private readonly streamKey: string,
    private readonly logger: Logger,
  ) {}

  async send(push: Push): Promise<void> {
    await this.redis.xadd(
      this.streamKey,
      'MAXLEN',
      '~',
      '10000',
      '*',
      'id', push.id,
      'chat', push.chatId,
      'kind', push.kind,
      'format', push.format,
      'content', push.content,
      'mentions', push.mentions.join(','),
    );
    this.logger.info({ push: push.id, chat: push.chatId, kind: push.kind, mentions: push.mentions }, 'push written to the local sink (chat has no group-robot key)');
  }
}
