import { cleanInput } from '../parsing/clean-input';

/**
 * The ASCII characters WeCom's markdown (and its text pushes, for `<@userid>`) reads as markup,
 * and the full-width look-alikes shown instead. Look-alikes rather than backslash escapes: the
 * markdown reply, the markdown push and the plain-text push do not agree on escapes (a text
 * push would show the backslash), while a full-width character reads the same everywhere.
 * `<` `>`: tags (<font>), mentions (<@userid>), block quotes; `[` `]`: links and images;
 * `*` `~`: emphasis and strike-through; backtick: inline code; `|`: tables; `&`: entities that
 * could spell the others (&lt;).
 */
const LOOK_ALIKES: Readonly<Record<string, string>> = {
  '<': '＜',
  '>': '＞',
  '[': '［',
  ']': '］',
  '*': '＊',
  '~': '～',
  '`': '｀',
  '|': '｜',
  '&': '＆',
};
const MARKUP = /[<>[\]*~`|&]/g;

/**
 * `_` opens emphasis unless it sits inside a word; between ASCII letters and digits
 * (u_sec_banzhu, snake_case) it stays, so user ids read as typed.
 */
const UNDERSCORE = /(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;

/** A heading is `#` to `######` then a space or the end; `#12` (an issue) is not one. */
const LEADING_HEADING = /^(\s*)#(?=#|\s|$)/u;

/**
 * User-typed text made inert for any place duban shows it (replies, cards, pushes, bulletins,
 * the terminal client): one line (every line break and tab becomes a space), no control or
 * format characters, and no markup that WeCom would act on — no mention, tag, link, image,
 * heading, emphasis, quote, table or inline code. Chinese text, emoji, `#12` and `@姓名` read
 * as typed.
 */
export function userText(text: string): string {
  return cleanInput(text)
    .replace(/[ \t]*[\n\t][ \t\n]*/g, ' ')
    .replace(MARKUP, (c) => LOOK_ALIKES[c]!)
    .replace(UNDERSCORE, '＿')
    .replace(LEADING_HEADING, '$1＃');
}
