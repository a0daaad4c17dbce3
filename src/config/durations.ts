import { z } from 'zod';

/** Policy durations as written in the org file: 30s, 10m, 2h, 3d, 2w (0d allowed). */
const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

export const durationPattern = /^(\d{1,6})([smhdw])$/;

export function parseDuration(text: string): number | undefined {
  const m = durationPattern.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]!;
}

/** zod type for a duration string; keeps the original text and its milliseconds. */
export const durationSchema = z
  .string()
  .regex(durationPattern, 'expected a duration like 30s, 10m, 2h, 3d or 2w')
  .transform((text) => ({ text, ms: parseDuration(text)! }));

export type Duration = z.output<typeof durationSchema>;
