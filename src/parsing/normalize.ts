import * as OpenCC from 'opencc-js/t2cn';

/** Traditional → Simplified (OpenCC data, maintained upstream), built once. */
const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });

/**
 * Folds what users type into one form for matching: full-width ASCII to half-width (NFKC:
 * ／ → /, ＃ → #, ：→ :, full-width digits and letters), Traditional to Simplified, and
 * ideographic spaces to plain ones. Descriptions keep the user's own characters elsewhere.
 */
export function normalizeText(text: string): string {
  return toSimplified(text.normalize('NFKC')).replace(/\u3000/g, ' ');
}

/** The key a command word or alias is looked up by: normalised and lower-cased. */
export function commandKey(word: string): string {
  return normalizeText(word).replace(/^\//, '').trim().toLowerCase();
}
