import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { BOT_NAME, type TestApp } from '../support/app';

/**
 * Signing in to the dashboard as a person does (/看板 in the single chat, then the link) and
 * asking its API with the session cookie: for the dashboard API tests.
 */
export interface ApiClient {
  cookie: string;
  get(path: string): Promise<Response>;
  json<T>(path: string): Promise<{ status: number; body: T }>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** A chat message from a person: in a group (chatId) with the @, else in their single chat. */
export function say(t: TestApp, userId: string, chatId: string, text: string): Promise<string> {
  return t.client.say({ userId, ...(chatId ? { chatId } : {}), text: chatId ? `@${BOT_NAME} ${text}` : text });
}

export async function signIn(t: TestApp, userId: string): Promise<ApiClient> {
  const reply = await say(t, userId, '', '/看板');
  const url = /\]\((http[^)\s]+)\)/u.exec(reply)?.[1];
  if (!url) throw new Error(`no sign-in link in ${reply}`);
  const u = new URL(url);
  const res = await fetch(`${t.baseUrl}${u.pathname}${u.search}`, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`sign-in answered ${res.status}`);
  return client(t, res.headers.getSetCookie()[0]!.split(';')[0]!);
}

/** A client with this cookie (or none: ''). */
export function client(t: TestApp, cookie: string): ApiClient {
  const headers = (extra: Record<string, string> = {}) => ({ ...(cookie ? { cookie } : {}), ...extra });
  const get = (path: string) => fetch(`${t.baseUrl}${path}`, { redirect: 'manual', headers: headers() });
  return {
    cookie,
    get,
    async json<T>(path: string) {
      const res = await get(path);
      return { status: res.status, body: (await res.json()) as T };
    },
    post: (path, body, extra) => fetch(`${t.baseUrl}${path}`, { method: 'POST', redirect: 'manual', headers: headers({ 'content-type': 'application/json', ...extra }), body: JSON.stringify(body) }),
  };
}

export const qs = (q: Record<string, string | number | undefined>) =>
  new URLSearchParams(Object.entries(q).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();

/**
 * A GET as it comes off the wire (fetch would undo the Content-Encoding): status, headers and
 * the body's bytes still encoded, for the compression tests.
 */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
