import { mediaUrlRefusal, type MediaHostRule } from './media-hosts';

/**
 * One bounded download of a WeCom media link with the global fetch: a timeout on the whole
 * transfer, and a size bound checked on the Content-Length and again while reading, so a large
 * file is refused after at most `maxBytes` read — never kept cut short, whatever the length
 * header says (chunked, or a length smaller than the body). The link and every redirect hop are
 * checked against the media hosts before they are fetched (jobs/evidence/media-hosts.ts): fetch
 * never follows a redirect on its own.
 */
export type DownloadResult =
  | { ok: true; bytes: Buffer }
  /** `status`: WeCom answered with an HTTP error; `too-large`: over the bound; `host`: a link or hop we do not fetch. */
  | { ok: false; why: 'status'; status: number }
  | { ok: false; why: 'too-large' }
  | { ok: false; why: 'host'; detail: string };

/** WeCom's COS links do not redirect; a CDN in between might, once or twice. */
const MAX_HOPS = 3;

export async function download(url: string, opts: { maxBytes: number; timeoutMs: number; hosts: readonly MediaHostRule[] }): Promise<DownloadResult> {
  // One signal for the whole transfer, redirects included. Network errors and the timeout throw: the job retries them.
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let at = url;
  for (let hop = 0; ; hop++) {
    const refusal = mediaUrlRefusal(at, opts.hosts);
    if (refusal) return { ok: false, why: 'host', detail: hop ? `redirect ${hop}: ${refusal}` : refusal };
    const res = await fetch(at, { signal, redirect: 'manual' });
    if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
      await res.body?.cancel().catch(() => undefined);
      if (hop >= MAX_HOPS) return { ok: false, why: 'host', detail: `more than ${MAX_HOPS} redirects` };
      at = new URL(res.headers.get('location')!, at).toString();
      continue;
    }
    return read(res, opts.maxBytes);
  }
}

async function read(res: Response, maxBytes: number): Promise<DownloadResult> {
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    return { ok: false, why: 'status', status: res.status };
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    return { ok: false, why: 'too-large' };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, why: 'too-large' };
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}
