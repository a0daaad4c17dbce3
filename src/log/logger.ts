import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (one line per event). Pretty output only for a person at a terminal in
 * development. Secrets are redacted by path as a second line of defence; code never logs them.
 */
export function createLogger(level: string, opts: { pretty?: boolean; destination?: pino.DestinationStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'duban' },
    redact: {
      paths: ['token', 'aesKey', 'encodingAESKey', 'webhookKey', 'secret', '*.token', '*.aesKey', '*.webhookKey', '*.secret', 'url', '*.responseUrl'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' } },
    });
  }
  // Asynchronous stdout: lines that pile up while a write is in flight go out together, so a busy
  // server makes far fewer write calls than one per line (issue #5 profile). pino flushes what is
  // left on exit; only a kill -9 can lose the last few lines.
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
