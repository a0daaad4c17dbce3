/**
 * /healthz: each dependency answers within a short deadline, or it is reported down — and the
 * report says in words what is wrong and what to do, so whoever is paged need not read code.
 */
export interface HealthCheck {
  name: string;
  /**
   * Critical checks decide the status code (503 takes the instance out of a load balancer): only
   * what stops this instance answering callbacks. The others are reported as problems but 200.
   */
  critical: boolean;
  /** Resolves with facts to show; `problem` when it works but something needs a person. */
  check(): Promise<void | HealthFacts>;
  /** Turns a failure (its error, or no answer in time) into what is wrong and what follows. */
  explain?(error: string): string;
}

export type HealthFacts = Record<string, number | string> & { problem?: string };

export interface HealthReport {
  ok: boolean;
  /** One sentence per thing that is wrong, critical first; empty when all is well. */
  problems: string[];
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
        const { problem, ...rest } = facts ?? {};
        return { check: c, result: { ok: true, ...rest }, problem };
      } catch (err) {
        const error = (err as Error).message;
        return { check: c, result: { ok: false, error }, problem: c.explain ? c.explain(error) : error };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const problems = [...results.filter((r) => r.check.critical), ...results.filter((r) => !r.check.critical)]
    .filter((r) => r.problem)
    .map((r) => `${r.check.name}: ${r.problem}`);
  return {
    ok: results.every((r) => r.result.ok || !r.check.critical),
    problems,
    checks: Object.fromEntries(results.map((r) => [r.check.name, r.result])),
  };
}
