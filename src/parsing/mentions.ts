/**
 * WeCom writes the bot's mention as plain text "@<display name>" (or full-width "＠"), usually
 * first but anywhere, followed by one or two spaces or a newline (docs/wecom-protocol.md §1.2).
 */
export function stripBotMentions(text: string, botNames: readonly string[]): string {
  let out = text;
  for (const re of mentionPatterns(botNames)) out = out.replace(re, ' ');
  return out.replace(/[\s\u00a0\u3000]+/gu, (ws) => (ws.includes('\n') ? '\n' : ' ')).trim();
}

// Every callback strips the same names: compile their patterns once per list (the org's list
// lives as long as the org; a reload brings a new one).
const patterns = new WeakMap<readonly string[], RegExp[]>();

function mentionPatterns(botNames: readonly string[]): RegExp[] {
  let list = patterns.get(botNames);
  if (!list) {
    // Longest names first so "督办助手2" is not left as "2" after removing "督办助手".
    list = [...botNames].sort((a, b) => b.length - a.length).map((name) => new RegExp(`[@＠]${escapeRegExp(name)}(?=[\\s\\u00a0\\u3000]|$|[/／,，:：、])[,，:：、]?`, 'gu'));
    patterns.set(botNames, list);
  }
  return list;
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
