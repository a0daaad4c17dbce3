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
  return pino(options);
}
