import { Writable } from 'node:stream';
import pino from 'pino';
import { createLogger } from '../../src/log/logger';

/**
 * `BENCH_ONLY=log`: the cost of the one line each callback logs, in-process into a sink that
 * writes nowhere, for duban's logger against bare pino. The `*.key` redact paths this logger once
 * had (pino runs such a path's redactor for every key of every line, re-parsing every path) are
 * kept here as the before, so the saving stays measured.
 */
const LINE = { reqId: '936fc066-d0ee-4f93-bbc4-be26e4b71f0f', kind: 'callback', status: 200, outcome: 'replied', msgid: 'Z5A7Pj0tgjcU3TXE', user: 'u_t1_m2', chat: 'CHAT_T1', command: 'report', result: 'ok', ms: 19 };
const WILDCARD_PATHS = ['token', 'aesKey', 'encodingAESKey', 'webhookKey', 'secret', '*.token', '*.aesKey', '*.webhookKey', '*.secret', 'url', '*.responseUrl', 'sig', 'link', '*.link', 'LINK_SECRET'];
const PER_RUN = 100_000;

function perLine(logger: pino.Logger): { us: number } {
  for (let i = 0; i < PER_RUN / 2; i++) logger.info(LINE, 'wecom callback');
  const runs: { us: number }[] = [];
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < PER_RUN; i++) logger.info(LINE, 'wecom callback');
    runs.push({ us: Number(process.hrtime.bigint() - t) / PER_RUN / 1000 });
  }
  return runs.sort((a, b) => a.us - b.us)[2]!;
}

export function benchLogLine(): string[] {
  const sink = new Writable({ write: (_c, _e, done) => done() });
  const base = { level: 'info', base: { service: 'duban' }, timestamp: pino.stdTimeFunctions.isoTime };
  const rows: [string, pino.Logger][] = [
    ['duban (src/log/logger.ts)', createLogger('info', { destination: sink })],
    ['pino with the former *.key redact paths', pino({ ...base, redact: { paths: WILDCARD_PATHS, censor: '[redacted]' } }, sink)],
    ['bare pino, no redaction (the floor)', pino(base, sink)],
  ];
  const lines = [`logger                                        µs/line  (median of 5 × ${PER_RUN.toLocaleString('en-US')} callback lines)`];
  // Two passes, the second reported: the first logger measured otherwise pays for warming up pino itself.
  const results = [0, 1].map(() => rows.map(([, logger]) => perLine(logger)))[1]!;
  rows.forEach(([name], i) => lines.push(`${name.padEnd(44)} ${results[i]!.us.toFixed(2).padStart(7)}`));
  return lines;
}
