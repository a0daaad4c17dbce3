/**
 * Whether an error came from Redis or the way to it (down, a dropped connection, a timeout, an
 * error reply) rather than from duban's own code. A write that failed so has written nothing, or all
 * of it at once (one script): asking WeCom to send it again is safe. ioredis's own error classes
 * are matched by name (they come from several packages), its connection errors by their words.
 */
const NAMES = new Set(['ReplyError', 'MaxRetriesPerRequestError', 'AbortError', 'ClusterAllFailedError']);
const WORDS = /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|connect ENOENT|Command timed out|connect ETIMEDOUT|Failed to refresh slots cache/;

export function isRedisFailure(err: unknown): boolean {
  return err instanceof Error && (NAMES.has(err.name) || NAMES.has(err.constructor.name) || WORDS.test(err.message));
}
