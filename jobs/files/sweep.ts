import type { Clock } from '../../src/clock';
import type { Logger } from '../../src/log/logger';
import type { ExportFiles } from '../../src/store/export-files';

/** Hourly, at a minute no other tick uses. */
export const EXPORT_SWEEP_CRON = '23 * * * *';

/** Removes generated files past their expiry (DATA_DIR/exports); one log line when it removed any. */
export async function runExportSweep(deps: { exports: ExportFiles; clock: Clock; logger: Logger }): Promise<number> {
  const { removed } = await deps.exports.sweep(deps.clock.now().getTime());
  if (removed.length) deps.logger.info({ removed: removed.length, files: removed.slice(0, 20) }, 'expired files removed');
  return removed.length;
}
