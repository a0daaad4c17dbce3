import { formatShortDate } from './dates';

/**
 * The reply to a command that asks for a file: what it is, the signed link (ours, so it is the
 * only link in the message) and until when it works. The file is made by a job; the link shows
 * "正在生成" until it is ready.
 */
export function renderFileReady(f: { what: string; url: string; expiresAt: number; now: number; inGroup: boolean }): string {
  const hours = Math.round((f.expiresAt - f.now) / 3_600_000);
  const until = hours <= 48 ? `${hours} 小时内有效` : `${formatShortDate(f.expiresAt, f.now)}前有效`;
  return [
    `📎 正在生成${f.what}`,
    `下载：${f.url}`,
    `（链接${until}${f.inGroup ? '；文件生成后也会发到本群' : ''}）`,
  ].join('\n');
}
