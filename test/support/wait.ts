/**
 * Waits for a condition that nothing announces (a count in Redis, time passing, a counter in
 * another process), checking every `everyMs`, and fails naming it after `timeoutMs`. Where an
 * event exists, await the event instead.
 */
export async function pollUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, everyMs = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves once the wall clock reads `ms` (a deadline passing is itself what is awaited). */
export function clockPast(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now()) + 1));
}
