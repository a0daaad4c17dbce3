import { formatShortDate } from './dates';
import { userText } from './safe-text';

/**
 * The lines of a reply that hands out a file made by a job: the signed link (ours, the only link
 * in the message) and what happens next. The file follows in the group; a single chat has no
 * group robot, so there the link is the way to it.
 */
export function fileLinkLine(label: string, url: string): string {
  return `📎 [${userText(label)}](${url})`;
}

export function fileFooter(f: { expiresAt: number; now: number; inGroup: boolean }): string {
  const hours = Math.round((f.expiresAt - f.now) / 3_600_000);
  const until = hours <= 48 ? `${hours} 小时内有效` : `${formatShortDate(f.expiresAt, f.now)}前有效`;
  return `文件正在生成，${f.inGroup ? '稍后发到本群；' : ''}链接在文件生成后可以打开（${until}）。`;
}
