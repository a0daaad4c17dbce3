import type { CardAction, IncomingMessage, Reply } from '../transport/types';
import type { PipelineDeps } from './pipeline';

/** What a card click may reuse of the message path: a typed command run once per msgid, as the clicker. */
export interface ActionRunner {
  runMessage(message: IncomingMessage): Promise<Reply>;
}

/**
 * A click on a card's button (docs/design.md §4.12): the card's task_id names the issue and the
 * state it was made for, the button's key the step. Acts with the clicker's identity, through the
 * same command, role and area checks as the typed command, once per msgid.
 */
export async function handleCardAction(_deps: PipelineDeps, action: CardAction, _runner: ActionRunner): Promise<Reply> {
  // Until the card buttons are wired (issue 13 §2), a click changes nothing and the card stays.
  return { markdown: '', handled: { command: '-', outcome: `card_${action.eventKey ? 'unhandled' : 'empty'}` } };
}
