import { once } from 'node:events';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseJsonOrUndefined } from '../parsing/json';

/**
 * The chat client's stand-in for WeCom's response_url (docs/wecom-protocol.md §1.6): a local
 * endpoint the server posts a click's follow-up words to (a question, a refusal, /查看's text),
 * shown as they arrive. Each URL takes one post, as WeCom's do.
 */
const postSchema = z.object({ msgtype: z.literal('markdown'), markdown: z.object({ content: z.string() }) });
const MAX_POST_BYTES = 64 * 1024;

export interface FollowUps {
  /** A fresh one-shot URL for one click. */
  url(): string;
  close(): Promise<void>;
}

export async function serveFollowUps(onPost: (markdown: string) => void): Promise<FollowUps> {
  const open = new Set<string>();
  const server = http.createServer((req, res) => {
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
