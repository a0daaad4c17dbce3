import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics (GET /metrics). One registry per app, so several apps in one process
 * (tests) never share counters.
 */
export interface Metrics {
  registry: Registry;
  callbacks: Counter<'kind' | 'outcome'>;
  commands: Histogram<'command' | 'outcome'>;
  pushes: Counter<'kind' | 'outcome'>;
  queueJobs: Gauge<'queue' | 'state'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'duban_' });
  return {
    registry,
    callbacks: new Counter({
      name: 'duban_callbacks_total',
      help: 'WeCom callbacks by kind (verify, callback) and outcome (replied, duplicate, bad_signature, …)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    commands: new Histogram({
      name: 'duban_command_duration_seconds',
      help: 'Time from a message entering the pipeline to its reply, by command and outcome',
      labelNames: ['command', 'outcome'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    pushes: new Counter({
      name: 'duban_pushes_total',
      help: 'Outbound pushes by kind and outcome (sent, already-sent, retry, dead-letter)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    queueJobs: new Gauge({
      name: 'duban_queue_jobs',
      help: 'BullMQ jobs by queue and state (failed = dead letters for outbound), read at scrape time',
      labelNames: ['queue', 'state'],
      registers: [registry],
    }),
  };
}
