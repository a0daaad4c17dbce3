/** WeCom refuses a reply over 20 480 bytes of UTF-8 (docs/wecom-protocol.md §1.8, §3.6). */
export const MAX_REPLY_BYTES = 20_480;

/** The last line of defence: cut on a code-point boundary and say so, rather than be refused. */
export function withinReplyLimit(content: string, maxBytes = MAX_REPLY_BYTES): string {
  if (Buffer.byteLength(content, 'utf8') <= maxBytes) return content;
  const tail = '\n…（内容过长，已截断）';
  let bytes = Buffer.byteLength(tail, 'utf8');
  let end = 0;
  for (const ch of content) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return content.slice(0, end) + tail;
}
