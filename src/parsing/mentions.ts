/**
 * WeCom writes the bot's mention as plain text "@<display name>" (or full-width "＠"), usually
 * first but anywhere, followed by one or two spaces or a newline (docs/wecom-protocol.md §1.2).
 */
export function stripBotMentions(text: string, botNames: readonly string[]): string {
  let out = text;
  // Longest names first so "督办助手2" is not left as "2" after removing "督办助手".
  for (const name of [...botNames].sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(`[@＠]${escapeRegExp(name)}(?=[\\s\\u00a0\\u3000]|$|[/／,，:：、])[,，:：、]?`, 'gu'), ' ');
  }
  return out.replace(/[\s\u00a0\u3000]+/gu, (ws) => (ws.includes('\n') ? '\n' : ' ')).trim();
}

/**
 * Drops `@…` tokens before the command word that do not name a person of the org (another bot,
 * a misspelt name): "@张三 @机器人 /list" keeps working when the bot name is configured wrong.
 */
export function stripLeadingForeignMentions(text: string, isPerson: (name: string) => boolean): string {
  let rest = text;
  for (;;) {
    const m = /^[@＠](\S+)\s*/u.exec(rest);
    if (!m || isPerson(m[1]!)) return rest;
    rest = rest.slice(m[0].length);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
