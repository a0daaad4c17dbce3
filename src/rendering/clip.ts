import { userText } from './safe-text';

/**
 * A word the user typed, for quoting back in a reply ("没有“…”这个命令"): made inert
 * (userText: one line, no markup) and at most `max` characters and "…". The word can be as
 * long as the message (100 000 characters), and WeCom refuses a reply over 20 480 bytes. Cut
 * on a code point, never inside a surrogate pair.
 */
export function clipForReply(word: string, max = 20): string {
  const safe = userText(word);
  let end = 0;
  let count = 0;
  for (const ch of safe) {
    if (count === max) return `${safe.slice(0, end)}…`;
    end += ch.length;
    count++;
  }
  return safe;
}
