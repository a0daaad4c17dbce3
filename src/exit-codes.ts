/** Process exit codes, so a supervisor (systemd, make) can tell what failed. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  /** A bad environment variable or organisation file. */
  config: 2,
  /** Redis unreachable, or the embedded redis-server cannot start or died. */
  redis: 3,
  /** The HTTP port cannot be bound. */
  listen: 4,
} as const;
