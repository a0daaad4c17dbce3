/**
 * Line breaks of every kind: CR LF, a lone CR, VT, FF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
 * They become "\n", so the grammar and the renderers see one kind of line break.
 */
const LINE_BREAKS = /\r\n?|[\v\f\u0085\u2028\u2029]/gu;

/**
 * What is never meant as text: C0 controls other than \t and \n (ESC starts terminal escape
 * sequences), DEL, C1 controls, and Unicode format characters (\p{Cf}: bidi embeddings,
 * overrides and isolates, LRM/RLM, zero-width space and joiners, word joiner, BOM, soft hyphen,
 * tag characters…). A zero-width joiner between two pictographs is kept: it joins an emoji
 * sequence (👨‍👩‍👧) and cannot reorder or hide text.
 */
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|(?<![\p{Extended_Pictographic}\p{Emoji_Modifier}]\ufe0f?)\u200d|\u200d(?!\p{Extended_Pictographic})|(?!\u200d)\p{Cf}/gu;

/** The text of a message with its line breaks unified and its control and format characters removed. */
export function cleanInput(text: string): string {
  return text.replace(LINE_BREAKS, '\n').replace(INVISIBLE, '');
}
