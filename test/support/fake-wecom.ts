import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import getRawBody from 'raw-body';

/**
 * A local stand-in for WeCom's outbound HTTP API (the only thing tests fake): the group robot's
 * /cgi-bin/webhook/send and /cgi-bin/webhook/upload_media. It records every request, answers
 * scripted errcodes per key, and answers 404 — and remembers it — for any route it does not
 * know. While holding (hold()), it records each send at once but keeps its answer until
 * release(): a send in flight.
 */
export interface RobotMessage {
  key: string;
  msgtype: string;
  /** text / markdown: the text; file: the media_id. */
  content: string;
  mentions: string[];
  errcode: number;
  at: number;
  /** file: the upload that media_id came from (undefined for a media_id this fake never gave). */
  upload?: RobotUpload;
}

/** One upload_media request: what the multipart part said and held. */
export interface RobotUpload {
  key: string;
  type: string;
  /** The part's filename, its filelength parameter, its content type, and the bytes' count. */
  name: string;
  filelength: number | undefined;
  contentType: string;
  size: number;
  bytes: Buffer;
  errcode: number;
  /** Given when errcode is 0. */
  mediaId?: string;
  at: number;
}

/** One POST to a callback's response_url (the intelligent robot's one-shot proactive reply). */
export interface ResponsePost {
  code: string;
  body: unknown;
  at: number;
}

/** A media file this fake serves, as WeCom's 5-minute download links do (encrypted bytes). */
export interface ServedMedia {
  bytes: Buffer;
  /** Answers for the next downloads, in order: an HTTP status (then 200 with the bytes). */
  failures: number[];
  downloads: number;
  /**
   * How the bytes go out: `chunked` without a Content-Length; `short-length` with a Content-Length
   * of 64 bytes, whatever the body; `hang` the headers and then nothing; `redirect` a 302 to
   * `location` (with no bytes of its own). Default: a Buffer body with its length.
   */
  mode?: 'chunked' | 'short-length' | 'hang' | 'redirect';
  location?: string;
}

export class FakeWecom extends EventEmitter {
  readonly messages: RobotMessage[] = [];
  readonly responses: ResponsePost[] = [];
  readonly media = new Map<string, ServedMedia>();
  readonly unexpected: string[] = [];
  readonly uploads: RobotUpload[] = [];
  private readonly scripts = new Map<string, number[]>();
  private readonly uploadScripts = new Map<string, number[]>();
  private readonly held: Array<() => void> = [];
  private holding = false;
  private server: Server | undefined;
  url = '';

  /** The next answers for a key, in order (then errcode 0). */
  script(key: string, errcodes: number[]): void {
    this.scripts.set(key, [...errcodes]);
  }

  /** The next answers to a key's uploads, in order (then errcode 0). */
  scriptUpload(key: string, errcodes: number[]): void {
    this.uploadScripts.set(key, [...errcodes]);
  }

  /** From now on, record each request but answer it only on release() (emits 'held' with the message). */
  hold(): void {
    this.holding = true;
  }

  /** Answers every held request and stops holding. */
  release(): void {
    this.holding = false;
    for (const answer of this.held.splice(0)) answer();
  }

  /** Requests recorded and not yet answered. */
  get heldCount(): number {
    return this.held.length;
  }

  /** A response_url for a callback (WeCom gives one per message and card event). */
  responseUrl(code = randomBytes(6).toString('hex')): string {
    return `${this.url}/cgi-bin/aibot/response?response_code=${code}`;
  }

  /** Serves `bytes` (already encrypted as WeCom's are) at a download link; `failures` answer the first downloads. */
  serveMedia(bytes: Buffer, failures: number[] = [], how: Pick<ServedMedia, 'mode' | 'location'> = {}): string {
    const name = randomBytes(8).toString('hex');
    this.media.set(name, { bytes, failures: [...failures], downloads: 0, ...how });
    return `${this.url}/media/${name}`;
  }

  /** Resolves when `predicate` holds for the response_url posts (checked on every post). */
  async waitForResponse(predicate: (posts: ResponsePost[]) => boolean, timeoutMs = 15_000): Promise<ResponsePost[]> {
    const deadline = AbortSignal.timeout(timeoutMs);
    while (!predicate(this.responses)) {
      await once(this, 'response', { signal: deadline }).catch(() => {
        throw new Error(`fake WeCom: response_url condition not met within ${timeoutMs} ms; got ${this.responses.length} posts`);
      });
    }
    return this.responses;
  }

  delivered(key?: string): RobotMessage[] {
    return this.messages.filter((m) => m.errcode === 0 && (key === undefined || m.key === key));
  }

  /** Resolves when `predicate` holds for the recorded messages (checked on every request). */
  async waitFor(predicate: (messages: RobotMessage[]) => boolean, timeoutMs = 15_000): Promise<RobotMessage[]> {
    const deadline = AbortSignal.timeout(timeoutMs);
    while (!predicate(this.messages)) {
      await once(this, 'message', { signal: deadline }).catch(() => {
        throw new Error(`fake WeCom: condition not met within ${timeoutMs} ms; got ${this.messages.length} messages`);
      });
    }
    return this.messages;
  }

  /** Starts listening (again, on the same port after a stop, when `port` is given). */
  async start(port = 0): Promise<string> {
    const app = new Koa();
    // A client that stops reading a download (too large, timed out) resets it: not the fake's error.
    app.silent = true;
    const router = new Router();
    router.post('/cgi-bin/webhook/send', async (ctx) => {
      const key = String(ctx.query.key ?? '');
      const body = JSON.parse(await getRawBody(ctx.req, { encoding: 'utf8' })) as {
        msgtype: string;
        text?: { content: string; mentioned_list?: string[] };
        markdown?: { content: string };
        file?: { media_id: string };
      };
      const queue = this.scripts.get(key);
      const errcode = queue?.length ? queue.shift()! : 0;
      const mediaId = body.file?.media_id;
      const upload = mediaId === undefined ? undefined : this.uploads.find((u) => u.mediaId === mediaId && u.key === key);
      const msg: RobotMessage = {
        key,
        msgtype: body.msgtype,
        content: body.text?.content ?? body.markdown?.content ?? mediaId ?? '',
        mentions: body.text?.mentioned_list ?? [],
        errcode,
        at: Date.now(),
        ...(upload ? { upload } : {}),
      };
      this.messages.push(msg);
      ctx.body = { errcode, errmsg: errcode ? 'scripted error' : 'ok' };
      this.emit('message', msg);
      if (this.holding) {
        const answered = new Promise<void>((resolve) => this.held.push(resolve));
        this.emit('held', msg);
        await answered;
      }
    });
    router.post('/cgi-bin/webhook/upload_media', async (ctx) => {
      const key = String(ctx.query.key ?? '');
      const raw = await getRawBody(ctx.req);
      const contentType = ctx.get('content-type');
      // WeCom's part header carries filelength after filename; Node's multipart parser (undici)
      // refuses any parameter but name and filename, so read filelength here and hand it the rest.
      const headerEnd = raw.indexOf('\r\n\r\n');
      const param = /; ?filelength=(\d+)/.exec(raw.subarray(0, headerEnd).toString('latin1'));
      const length = param?.[1];
      const part = param ? Buffer.concat([raw.subarray(0, param.index), raw.subarray(param.index + param[0].length)]) : raw;
      const form = await new Response(part, { headers: { 'content-type': contentType } }).formData().catch(() => undefined);
      const media = form?.get('media');
      if (!form || !(media instanceof Blob)) {
        this.unexpected.push(`POST ${ctx.path} without a multipart "media" file`);
        ctx.body = { errcode: 40008, errmsg: 'no media part' };
        return;
      }
      const queue = this.uploadScripts.get(key);
      const errcode = queue?.length ? queue.shift()! : 0;
      const upload: RobotUpload = {
        key,
        type: String(ctx.query.type ?? ''),
        name: (media as File).name,
        filelength: length === undefined ? undefined : Number(length),
        contentType: media.type,
        size: media.size,
        bytes: Buffer.from(await media.arrayBuffer()),
        errcode,
        at: Date.now(),
        ...(errcode === 0 ? { mediaId: `media-${this.uploads.length + 1}-${randomBytes(4).toString('hex')}` } : {}),
      };
      this.uploads.push(upload);
      ctx.body = errcode ? { errcode, errmsg: 'scripted error' } : { errcode: 0, errmsg: 'ok', type: upload.type, media_id: upload.mediaId, created_at: String(Math.floor(upload.at / 1000)) };
      this.emit('upload', upload);
    });
    router.post('/cgi-bin/aibot/response', async (ctx) => {
      const post: ResponsePost = { code: String(ctx.query.response_code ?? ''), body: JSON.parse(await getRawBody(ctx.req, { encoding: 'utf8' })) as unknown, at: Date.now() };
      this.responses.push(post);
      ctx.body = { errcode: 0, errmsg: 'ok' };
      this.emit('response', post);
    });
    router.get('/media/:name', (ctx) => {
      const served = this.media.get(ctx.params.name ?? '');
      if (!served) {
        ctx.status = 404;
        return;
      }
      served.downloads++;
      const failure = served.failures.shift();
      if (failure !== undefined) {
        ctx.status = failure;
        ctx.body = 'scripted failure';
        return;
      }
      if (served.mode === 'redirect') return ctx.redirect(served.location ?? '/');
      ctx.type = 'application/octet-stream';
      if (served.mode === 'chunked') ctx.body = Readable.from([served.bytes.subarray(0, 1024), served.bytes.subarray(1024)]);
      else if (served.mode === 'short-length' || served.mode === 'hang') {
        // Straight onto the socket: Node's own response would not lie about the length.
        ctx.respond = false;
        const head = `HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n${served.mode === 'hang' ? 'transfer-encoding: chunked' : 'content-length: 64'}\r\nconnection: close\r\n\r\n`;
        ctx.req.socket.write(head);
        if (served.mode === 'short-length') ctx.req.socket.end(served.bytes);
      } else ctx.body = served.bytes;
    });
    app.use(router.routes());
    app.use(async (ctx) => {
      this.unexpected.push(`${ctx.method} ${ctx.path}`);
      ctx.status = 404;
      ctx.body = { errcode: -1, errmsg: 'no such route in the fake' };
    });
    this.server = app.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.release();
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
