import { cardTaskSchema } from '../rendering/issue-card';
import type { TemplateCard } from '../transport/template-card';

/** What `!n` or `!n #id` asks for: button n (1-based) of the latest card, or of the latest card about issue #id. */
export interface Click {
  button: number;
  issueId?: number;
}

/** `!2`, `！2`, `点2`, `点 2`, and with a card's issue `!2 #13`, `点2 ＃13`, `!2 13`; undefined: not a click. */
export function parseClick(line: string): Click | undefined {
  const m = /^(?:[!！]|点)\s*(\d{1,2})(?:\s+[#＃]?\s*(\d{1,9})|\s*[#＃]\s*(\d{1,9}))?$/u.exec(line.trim());
  if (!m) return undefined;
  const issue = m[2] ?? m[3];
  return { button: Number(m[1]), ...(issue ? { issueId: Number(issue) } : {}) };
}

/** The issue a card of ours is about, read from its task_id; undefined for any other card. */
export function cardIssue(card: TemplateCard): number | undefined {
  const task = cardTaskSchema.safeParse(card.task_id);
  return task.success ? task.data.issueId : undefined;
}

/** How many cards a terminal remembers for `!n #id`. */
const KEPT = 50;

/**
 * The cards a terminal has shown in its chat, latest last: its own replies' cards, the other
 * terminals' (shared), and the updates clicks brought. An update replaces the card of its
 * task_id and counts as seen now, as it is the latest one on the screen.
 */
export class CardBook {
  private cards: TemplateCard[] = [];

  /** A card shown (new, or an update of one by its task_id). */
  seen(card: TemplateCard): void {
    this.cards = this.cards.filter((c) => !card.task_id || c.task_id !== card.task_id);
    this.cards.push(card);
    if (this.cards.length > KEPT) this.cards.shift();
  }

  /** The card and button a click names, or why there is none (in the words the person reads). */
  pick(click: Click): { card: TemplateCard & { task_id: string }; button: { text: string; key: string } } | { refusal: string } {
    const card = click.issueId === undefined ? this.cards.at(-1) : this.cards.findLast((c) => cardIssue(c) === click.issueId);
    if (!card) {
      return {
        refusal:
          click.issueId === undefined
            ? '还没有卡片可以点：回复的卡片（群里其他人的也算）带编号的按钮显示，用 !编号 点，例如 !1。'
            : `这里还没有显示过关于 #${click.issueId} 的卡片；不带编号的 !${click.button} 点最近的一张。`,
      };
    }
    const button = card.button_list?.[click.button - 1];
    const which = click.issueId === undefined ? '最近的卡片' : `#${click.issueId} 的卡片`;
    if (!card.task_id || !button) return { refusal: `${which}没有第 ${click.button} 个按钮。` };
    return { card: { ...card, task_id: card.task_id }, button };
  }
}
