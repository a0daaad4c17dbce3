import { z } from 'zod';

const answerSchema = z.looseObject({ errcode: z.number().optional() });

/**
 * Posts a markdown message to a callback's one-shot response_url (docs/wecom-protocol.md §1.6):
 * plain JSON, no encryption, valid for an hour and once. WeCom does not document the answer;
 * a non-2xx status or a non-zero errcode counts as a failure.
 */
export async function postResponseUrl(url: string, markdown: string, timeoutMs = 5_000): Promise<void> {
  if (!/^https?:\/\//u.test(url)) throw new Error('response_url is not an http(s) URL');
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msgtype: 'markdown', markdown: { content: markdown } }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
  const parsed = answerSchema.safeParse(await res.json().catch(() => ({})));
  if (parsed.success && parsed.data.errcode) throw new Error(`response_url errcode ${parsed.data.errcode}`);
}
