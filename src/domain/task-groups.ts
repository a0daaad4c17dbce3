/**
 * Who hears of a task, and in how many messages: the units' issues grouped by the group each
 * issue lives in (its home chat), and a group's list cut into parts that each fit the group
 * robot's text limit (docs/design.md §4.15). Pure, so the cut is tested without WeCom.
 */
export interface TaskShare {
  unitId: string;
  issueId: number;
  /** The unit's secretary, when it has one (the issue is assigned to them). */
  secretary?: string;
  homeChat: string;
}

/** Shares by home chat, chats in the order their first unit comes, units in the task's order. */
export function groupByChat<T extends Pick<TaskShare, 'homeChat'>>(shares: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const s of shares) {
    const list = groups.get(s.homeChat);
    if (list) list.push(s);
    else groups.set(s.homeChat, [s]);
  }
  return groups;
}

/**
 * Packs lines under a header into as few parts as fit `maxBytes` each (UTF-8), in order, never
 * cutting a line. `header(part, parts)` is rendered once the count is known; it is measured at
 * its widest ("（99/99）") while packing, so filling the numbers in never pushes a part over.
 * A single line longer than the room is kept whole in a part of its own (the caller bounds lines).
 */
export function packLines(header: (part: number, parts: number) => string, lines: readonly string[], maxBytes: number, footer = ''): string[][] {
  const widest = Math.max(Buffer.byteLength(header(1, 1)), Buffer.byteLength(header(99, 99)));
  const fixed = widest + 1 + (footer ? Buffer.byteLength(footer) + 1 : 0);
  const parts: string[][] = [];
  let current: string[] = [];
  let used = fixed;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (current.length && used + size > maxBytes) {
      parts.push(current);
      current = [];
      used = fixed;
    }
    current.push(line);
    used += size;
  }
  if (current.length || !parts.length) parts.push(current);
  return parts;
}
