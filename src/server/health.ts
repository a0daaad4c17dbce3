/** /healthz: each dependency answers within a short deadline, or it is reported down. */
export interface HealthCheck {
  name: string;
  /** Resolves when the dependency answers, optionally with facts to show (e.g. dead letters). */
  check(): Promise<void | Record<string, number | string>>;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; error?: string; [fact: string]: unknown }>;
}

export async function runHealthChecks(checks: readonly HealthCheck[], timeoutMs = 1_000): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const facts = await Promise.race([
          c.check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [c.name, { ok: true, ...(facts ?? {}) }] as const;
      } catch (err) {
        return [c.name, { ok: false, error: (err as Error).message }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: results.every(([, r]) => r.ok), checks: Object.fromEntries(results) };
}
