/** JSON.parse that answers undefined instead of throwing: callers validate the result with zod. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
