import { SHANGHAI_OFFSET_MS } from './time';

/**
 * The time span of a period's months ("YYYYMM", Shanghai calendar): from the first instant of
 * the first month to the first instant after the last. Undefined months mean all time. Records
 * dated by when they happened (visits, practices) are read by span; issues by discovery month.
 */
export interface Span {
  from: number;
  /** Exclusive. */
  to: number;
}

export function spanOfMonths(months: readonly string[] | undefined): Span | undefined {
  if (!months?.length) return undefined;
  const sorted = [...months].sort();
  const start = (m: string) => Date.UTC(Number(m.slice(0, 4)), Number(m.slice(4)) - 1, 1) - SHANGHAI_OFFSET_MS;
  const last = sorted[sorted.length - 1]!;
  const y = Number(last.slice(0, 4));
  const mo = Number(last.slice(4));
  return { from: start(sorted[0]!), to: Date.UTC(mo === 12 ? y + 1 : y, mo === 12 ? 0 : mo, 1) - SHANGHAI_OFFSET_MS };
}
