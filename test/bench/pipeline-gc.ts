import { execFileSync } from 'node:child_process';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pipelineModule = require('ioredis/built/Pipeline');
import '../../src/store/redis';

/**
 * `BENCH_ONLY=gc`: what one pipeline costs the young-generation GC (docs/design.md §4.22). The
 * same loop makes pipelines of two commands (never sent) with ioredis's own constructor and with
 * duban's subclass, each in a fresh process (one's old space must not weigh on the other's
 * scavenges), and the process's scavenges are timed (perf_hooks 'gc' entries).
 */
type Made = { length: number; get(key: string): Made };
const PIPELINES = 400_000;

async function scavenges(make: () => Made): Promise<{ ms: number; count: number; pauseMs: number; maxMs: number }> {
  const pauses: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) pauses.push(e.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  const t = performance.now();
  let kept = 0;
  // In turns of the event loop, as a server makes them, so scavenges fall between turns too.
  for (let done = 0; done < PIPELINES; done += 2_000) {
    for (let i = 0; i < 2_000; i++) kept += make().get('a').get('b').length;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const ms = performance.now() - t;
  await new Promise<void>((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  if (kept !== 2 * PIPELINES) throw new Error('pipelines lost commands');
  return { ms, count: pauses.length, pauseMs: pauses.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...pauses) };
}

type Result = Awaited<ReturnType<typeof scavenges>>;
const VARIANTS = { original: "ioredis's constructor (a getter per pipeline)", lean: "duban's subclass (src/store/pipeline-shape.ts)" } as const;

async function runVariant(variant: keyof typeof VARIANTS): Promise<Result> {
  const redis = new Redis({ lazyConnect: true });
  const lean = (pipelineModule as unknown as { default: new (r: Redis) => Made }).default;
  const made = variant === 'lean' ? lean : (Object.getPrototypeOf(lean) as new (r: Redis) => Made);
  try {
    return await scavenges(() => new made(redis));
  } finally {
    redis.disconnect();
  }
}

export function benchPipelineGc(): string[] {
  const lines = [`pipelines of 2 commands, ${PIPELINES.toLocaleString('en-US')} made        time  scavenges  paused in all  longest`];
  for (const [variant, name] of Object.entries(VARIANTS)) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, variant], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as Result;
    lines.push(`${name.padEnd(48)} ${(r.ms / 1000).toFixed(2).padStart(5)} s ${String(r.count).padStart(9)} ${r.pauseMs.toFixed(0).padStart(11)} ms ${r.maxMs.toFixed(1).padStart(6)} ms`);
  }
  return lines;
}

if (require.main === module) {
  const variant = process.argv[2] as keyof typeof VARIANTS;
  void runVariant(variant).then((r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  });
}
