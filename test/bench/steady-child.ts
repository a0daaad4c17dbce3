// The bench's open-loop load generator, in its own process: `tsx test/bench/steady-child.ts URL
// RATE SECONDS REQUESTS.json`; prints one JSON line with what it measured. Apart from the bench
// (whose heap holds tens of thousands of pre-built callbacks and pauses to collect them) its own
// pauses stay short, so a late send is rare and, when it happens, measured.
import type { ClientRequest, IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface SteadyResult {
  /** Milliseconds from each answered callback's place in the schedule to its answer, sorted. */
  latencies: number[];
  /** How late each send was against its place in the schedule, in ms, sorted. */
  lateness: number[];
  errors: number;
  non2xx: number;
  elapsedSeconds: number;
  sent: number;
  /** This process's CPU time over the run, in ms. */
  cpuMs: number;
}

type Send = (params: unknown, onResponse: (res: IncomingMessage) => void) => ClientRequest;

async function main(): Promise<void> {
  const [url, rateArg, secondsArg, file] = process.argv.slice(2);
  const rate = Number(rateArg);
  const requests = JSON.parse(readFileSync(file!, 'utf8')) as { path: string; body: string }[];
  // loadtest is an ES module; the bench runs as CommonJS under tsx.
  const { loadTest } = (await import('loadtest')) as unknown as {
    loadTest(options: Record<string, unknown>): Promise<{ totalRequests: number; totalErrors: number; elapsedSeconds: number }>;
  };
  const latencies: number[] = [];
  const lateness: number[] = [];
  let sent = 0;
  let t0 = 0;
  let non2xx = 0;
  const cpuBefore = process.cpuUsage();
  const result = await loadTest({
    url,
    method: 'POST',
    requestsPerSecond: rate,
    maxSeconds: Number(secondsArg),
    agentKeepAlive: true,
    quiet: true,
    requestGenerator: (_options: unknown, params: { path: string; headers: Record<string, string | number> }, send: Send, onResponse: (res: IncomingMessage) => void) => {
      const now = performance.now();
      if (sent === 0) t0 = now;
      // A send ahead of its place (loadtest's timer started a moment before the first send) counts from the send.
      const scheduled = Math.min(now, t0 + (sent * 1000) / rate);
      const r = requests[sent++ % requests.length]!;
      lateness.push(now - scheduled);
      params.path = r.path;
      params.headers['content-type'] = 'application/json';
      params.headers['content-length'] = Buffer.byteLength(r.body);
      const req = send(params, (res) => {
        res.once('end', () => {
          if (res.statusCode !== 200) non2xx++;
          else latencies.push(performance.now() - scheduled);
        });
        onResponse(res);
      });
      req.write(r.body);
      return req;
    },
  });
  const cpu = process.cpuUsage(cpuBefore);
  const out: SteadyResult = {
    latencies: latencies.sort((a, b) => a - b),
    lateness: lateness.sort((a, b) => a - b),
    errors: result.totalErrors - non2xx,
    non2xx,
    elapsedSeconds: result.elapsedSeconds,
    sent,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0)); // keep-alive sockets would hold the process open
}

main().catch((err: unknown) => {
  process.stderr.write(`steady-child: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
