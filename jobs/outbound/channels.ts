import { randomBytes } from 'node:crypto';
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

/**
 * A file the group robot cannot take (over 20 MB, or under its 5-byte minimum;
 * docs/wecom-protocol.md §4.3). Permanent, but not a fault: the download link still works.
 */
export class FileRefusedError extends PermanentSendError {}

/** The robot no longer knows a media_id (40007: expired after 3 days, or another robot's): upload again. */
export class MediaExpiredError extends Error {}

/** What the group robot takes for a `file` upload (docs/wecom-protocol.md §4.3). */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const MIN_UPLOAD_BYTES = 6;

/** Why a file of `bytes` cannot go through the group robot, or undefined when it can. */
export function uploadRefusal(bytes: number): string | undefined {
  if (bytes > MAX_UPLOAD_BYTES) return `file is ${bytes} bytes, over the group robot's 20 MB`;
  if (bytes < MIN_UPLOAD_BYTES) return `file is ${bytes} bytes, under the group robot's minimum`;
  return undefined;
}

/** errcodes that will not change on retry (docs/wecom-protocol.md §4.4). */
const PERMANENT = new Set([93000, 93004, 93008, 40008, 44004, 45002, 40007, 45001, 40006]);

const responseSchema = z.object({ errcode: z.number(), errmsg: z.string().optional() });
const uploadResponseSchema = responseSchema.extend({ media_id: z.string().min(1).optional() });

/** Text ≤ 2048 bytes, markdown ≤ 4096: cut at a line break and say so. */
/** A group robot's markdown holds at most this many bytes of UTF-8 (docs/wecom-protocol.md §4.2). */
export const MARKDOWN_MAX_BYTES = 4096;

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

  /** Text and markdown pushes; a file push goes as upload() then sendFile() (the sender caches the media_id between them). */
  async send(push: Push): Promise<void> {
    if (push.format === 'file') throw new Error('a file push is sent with upload() and sendFile()');
    const body =
      push.format === 'text'
        ? { msgtype: 'text', text: { content: fitBytes(push.content, 2048), mentioned_list: push.mentions } }
        : { msgtype: 'markdown', markdown: { content: fitBytes(push.content + push.mentions.map((u) => ` <@${u}>`).join(''), MARKDOWN_MAX_BYTES) } };
    await this.post('send', { 'content-type': 'application/json' }, JSON.stringify(body));
  }

  /**
   * Uploads a file for a `file` message (docs/wecom-protocol.md §4.3): multipart/form-data, one
   * part named `media` carrying filename and filelength as WeCom's example shows. Built by hand
   * because FormData cannot add `filelength` to the part's header. Resolves with the media_id.
   */
  async upload(name: string, bytes: Uint8Array): Promise<string> {
    const refusal = uploadRefusal(bytes.byteLength);
    if (refusal) throw new FileRefusedError(0, refusal);
    const boundary = `----duban${randomBytes(12).toString('hex')}`;
    // As browsers encode a file name in multipart (HTML's form encoding): UTF-8, with quote and line breaks escaped.
    const quoted = name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="${quoted}"; filelength=${bytes.byteLength}\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const body = new Blob([head, bytes, `\r\n--${boundary}--\r\n`]);
    let answer: unknown;
    try {
      answer = await this.post('upload_media', { 'content-type': `multipart/form-data; boundary=${boundary}` }, body, '&type=file');
    } catch (err) {
      // 45001 / 40006: WeCom judged the size itself (§4.4); the file stays downloadable by its link.
      if (err instanceof PermanentSendError && (err.errcode === 45001 || err.errcode === 40006)) throw new FileRefusedError(err.errcode, `group robot refused the file's size: errcode ${err.errcode}`);
      throw err;
    }
    const parsed = uploadResponseSchema.safeParse(answer);
    if (!parsed.success || !parsed.data.media_id) throw new Error('group robot accepted the upload but gave no media_id');
    return parsed.data.media_id;
  }

  /** The `file` message for an uploaded media_id. */
  async sendFile(mediaId: string): Promise<void> {
    try {
      await this.post('send', { 'content-type': 'application/json' }, JSON.stringify({ msgtype: 'file', file: { media_id: mediaId } }));
    } catch (err) {
      if (err instanceof PermanentSendError && err.errcode === 40007) throw new MediaExpiredError('group robot no longer knows the media_id (40007)');
      throw err;
    }
  }

  /** One call of the robot's API; resolves with the parsed answer when errcode is 0. */
  private async post(method: 'send' | 'upload_media', headers: Record<string, string>, body: string | Blob, query = ''): Promise<unknown> {
    const res = await fetch(`${this.apiBase}/cgi-bin/webhook/${method}?key=${encodeURIComponent(this.key)}${query}`, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`group robot answered HTTP ${res.status}`);
    const json: unknown = await res.json().catch(() => undefined);
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) throw new Error('group robot answered something that is not {errcode}');
    const { errcode } = parsed.data;
    if (errcode === 0) return json;
    if (errcode === 45009) throw new ThrottledError('group robot frequency limit (45009)');
    // Check errcode, never errmsg (docs/wecom-protocol.md §4.4); errmsg may carry hints with the caller's IP.
    if (PERMANENT.has(errcode)) throw new PermanentSendError(errcode, `group robot refused: errcode ${errcode}`);
    throw new Error(`group robot errcode ${errcode}`);
  }
}

/** What the terminal client shows for a file push: the caption (when there is one) and the file's name and link. */
export function sinkFileText(push: Push): string {
  if (!push.file) return push.content;
  const line = `📎 文件：${push.file.name}  ${push.file.link}`;
  return push.content === push.file.name ? line : `${push.content}\n${line}`;
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
      'content', sinkFileText(push),
      'mentions', push.mentions.join(','),
      ...(push.file ? ['file', push.file.name, 'link', push.file.link] : []),
    );
    this.logger.info({ push: push.id, chat: push.chatId, kind: push.kind, mentions: push.mentions }, 'push written to the local sink (chat has no group-robot key)');
  }
}
