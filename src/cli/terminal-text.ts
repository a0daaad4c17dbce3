import { stripVTControlCharacters } from 'node:util';

/**
 * Characters a terminal acts on rather than shows, once escape sequences are gone: C0 controls
 * but newline and tab (a lone ESC, BEL, backspace, carriage return that overwrites the line),
 * DEL, C1 controls (U+0080–U+009F: 8-bit CSI, OSC, …), and the bidi controls that reorder what
 * follows them (LRM, RLM, ALM, the embeddings and overrides U+202A–U+202E and the isolates
 * U+2066–U+2069).
 */
const ACTIVE_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * The string-carrying sequences (OSC, DCS, SOS, PM, APC, 7- or 8-bit) with their payload up to
 * the terminator (BEL or ST): Node's pattern leaves a payload that is not ASCII on the screen,
 * e.g. the text of a window title.
 */
const STRING_SEQUENCES = /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)/gu;

/**
 * Text from the server or a push (which carries other people's words) made safe to print: it
 * cannot move the cursor, clear the screen, set the title, open a hyperlink or reorder the line.
 * Escape sequences go whole (string sequences here, the rest by Node's own ANSI pattern), then
 * any control character left over.
 */
export function terminalSafe(text: string): string {
  return stripVTControlCharacters(text.replace(STRING_SEQUENCES, '')).replace(ACTIVE_CHARACTERS, '');
}
