import { once } from 'node:events';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseJsonOrUndefined } from '../parsing/json';

/**
 * The chat client's local stand-in for WeCom's side of two things, on 127.0.0.1: the
 * response_url (docs/wecom-protocol.md §1.6), a local endpoint the server posts a click's
 * follow-up words to (a question, a refusal, /查看's text), shown as they arrive — each URL takes
 * one post, as WeCom's do; and the media links of the photos it sends (GET /media/…, encrypted
 * as WeCom's, src/cli/demo-photos.ts).
 */
const postSchema = z.object({ msgtype: z.literal('markdown'), markdown: z.object({ content: z.string() }) });
const MAX_POST_BYTES = 64 * 1024;

/** What serves the photos' bytes (already encrypted) by path; undefined: 404. */
export interface MediaSource {
  serve(path: string): Buffer | undefined;
}

export interface FollowUps {
  /** A fresh one-shot URL for one click. */
  url(): string;
  /** The server's origin (http://127.0.0.1:port), for media links. */
  readonly origin: string;
  close(): Promise<void>;
}

export async function serveFollowUps(onPost: (markdown: string) => void, media?: MediaSource): Promise<FollowUps> {
  const open = new Set<string>();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      const bytes = media?.serve(new URL(req.url ?? '/', 'http://local').pathname);
      // As WeCom's media host: the encrypted bytes, with no type a client could act on.
      res.writeHead(bytes ? 200 : 404, { 'content-type': bytes ? 'application/octet-stream' : 'text/plain', 'content-length': bytes ? bytes.length : 9 });
      res.end(bytes ?? 'not found');
      return;
    }
    const code = new URL(req.url ?? '/', 'http://local').searchParams.get('response_code') ?? '';
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_POST_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      const parsed = size <= MAX_POST_BYTES ? postSchema.safeParse(parseJsonOrUndefined(Buffer.concat(chunks).toString('utf8'))) : undefined;
      const ok = req.method === 'POST' && open.delete(code) && parsed?.success === true;
      res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { errcode: 0, errmsg: 'ok' } : { errcode: 40001, errmsg: 'invalid response_code or body' }));
      if (ok && parsed?.success) onPost(parsed.data.markdown.content);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    url() {
      const code = randomBytes(8).toString('hex');
      open.add(code);
      return `http://127.0.0.1:${port}/cgi-bin/aibot/response?response_code=${code}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The server's keep-alive connection would hold close() for seconds.
        server.closeAllConnections();
      }),
  };
}
