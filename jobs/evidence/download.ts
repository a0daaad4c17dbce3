/**
 * One bounded download of a WeCom media link with the global fetch: a timeout on the whole
 * transfer, and a size bound checked on the Content-Length and again while reading, so a large
 * file is refused after at most `maxBytes` read — never kept cut short.
 */
export type DownloadResult =
  | { ok: true; bytes: Buffer }
  /** `status`: WeCom answered with an HTTP error; `too-large`: over the bound. */
  | { ok: false; why: 'status'; status: number }
  | { ok: false; why: 'too-large' };

export async function download(url: string, opts: { maxBytes: number; timeoutMs: number }): Promise<DownloadResult> {
  // Network errors and the timeout throw: the job retries them.
  const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs), redirect: 'follow' });
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    return { ok: false, why: 'status', status: res.status };
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
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
      if (total > opts.maxBytes) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, why: 'too-large' };
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}
