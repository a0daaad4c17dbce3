import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (one line per event). Pretty output only for a person at a terminal in
 * development. Secrets are redacted by path as a second line of defence; code never logs them.
 * Redis command arguments never reach a line (see withoutCommandArgs).
 */
export function createLogger(level: string, opts: { pretty?: boolean; destination?: pino.DestinationStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'duban' },
    // Top-level keys only: pino calls a `*.key` path's redactor for every key of every line, and
    // that redactor parses every path again on each call (a ninth of the server's allocations at
    // 1 000 callbacks a second, issue #15). One level down is censored in the walk below instead.
    redact: { paths: ['token', 'aesKey', 'encodingAESKey', 'webhookKey', 'secret', 'url', 'sig', 'link', 'LINK_SECRET'], censor: CENSOR },
    serializers: { err: (err: unknown) => withoutCommandArgs(serializeError(err), 0, undefined, 0) },
    // Every other key: the err key is left to its serializer above, which keeps the error's type.
    formatters: { log: (object) => withoutCommandArgs(object, 0, ERROR_KEY, 1) as Record<string, unknown> },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' } },
    });
  }
  // Asynchronous, buffered stdout: lines go out together once LOG_BUFFER_BYTES have piled up, and
  // at least every LOG_FLUSH_MS, so a busy server makes a few write calls a second instead of one
  // per line or two (each a round through libuv's thread pool: issue #15 profile). pino flushes
  // what is left on exit; only a kill -9 can lose the last lines (at most LOG_FLUSH_MS of them).
  return pino(options, pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS }));
}

/** stdout's buffer: written once this much has piled up (about a dozen callback lines)… */
const LOG_BUFFER_BYTES = 4096;
/** …or this long after the last write, whichever comes first. */
const LOG_FLUSH_MS = 100;

const ERROR_KEY = 'err';
const CENSOR = '[redacted]';
/** Censored one level down: a robot's webhookKey, a push's responseUrl, an error's token. */
const NESTED_SECRETS = new Set(['token', 'aesKey', 'webhookKey', 'secret', 'responseUrl', 'link']);
/** Redis quotes the first arguments of a command it does not know ("ERR unknown command 'X', with args beginning with: 'k' 'v'"). */
const ECHOED_ARGS = /(with args beginning with:)[^\n]*/g;

/** pino's own error serialiser, minus the arguments Redis may quote in a message (and so in the stack). */
function serializeError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown;
  if (out === null || typeof out !== 'object') return out;
  const e = out as { message?: unknown; stack?: unknown };
  if (typeof e.message === 'string') e.message = e.message.replace(ECHOED_ARGS, '$1 [redacted]');
  if (typeof e.stack === 'string') e.stack = e.stack.replace(ECHOED_ARGS, '$1 [redacted]');
  return out;
}
/** Deep enough for an error inside an EXECABORT's previousErrors inside a logged object. */
const MAX_DEPTH = 8;

/**
 * ioredis puts `command: { name, args }` on every error Redis answers (ReplyError, EXECABORT's
 * previousErrors, …), and the args are keys and values: message text, notes, tokens. Returns
 * `value` without any `args` property at any depth (the command name stays), serialising errors
 * met on the way as pino would. Copies only what changes, so an ordinary log line costs a walk.
 */
export function withoutCommandArgs(value: unknown, depth = 0, skipKey?: string, censorDepth = -1): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  // An error is censored where it stands, as the object it is serialised to.
  if (value instanceof Error) return withoutCommandArgs(serializeError(value), depth, undefined, censorDepth);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const clean = withoutCommandArgs(item, depth + 1);
      if (clean !== item) (copy ??= [...value])[i] = clean;
    });
    return copy ?? value;
  }
  // Plain objects and pino's serialised errors; not Buffers, Dates, Maps or class instances.
  if (Object.prototype.toString.call(value) !== '[object Object]') return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key === skipKey) continue;
    if (key === 'args') {
      copy ??= { ...value };
      delete copy[key];
      continue;
    }
    if (depth === censorDepth && item !== undefined && NESTED_SECRETS.has(key)) {
      (copy ??= { ...value })[key] = CENSOR;
      continue;
    }
    const clean = withoutCommandArgs(item, depth + 1, undefined, censorDepth);
    if (clean !== item) (copy ??= { ...value })[key] = clean;
  }
  return copy ?? value;
}
