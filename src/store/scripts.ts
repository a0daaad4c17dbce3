import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../config/paths';
import type { RedisClient } from './redis';

/**
 * Every Lua script duban runs, by the command name ioredis gives it (each store declares its
 * command's type beside the code that calls it). All are defined on a client the moment it is
 * made (createRedis), never later: with auto-pipelining, a command defined while a batch of
 * commands is already waiting is missing from that batch, and the batch's answers no longer line
 * up with its callers — an uncaught error that takes the process down. A store built on a client
 * made elsewhere (a test's, a CLI's) defines them once on first use, before its first command.
 * defineCommand sends a script by SHA (EVALSHA) and falls back to EVAL after a Redis restart.
 */
const SCRIPTS: Record<string, { file: string; numberOfKeys?: number; /** Another script's body, prepended as `local function commit()`. */ wraps?: string }> = {
  commitIssue: { file: 'commit-issue.lua' },
  importIssue: { file: 'import-issue.lua', wraps: 'commit-issue.lua' },
  commitOnce: { file: 'commit-once.lua', wraps: 'commit-issue.lua' },
  followUpsTake: { file: 'follow-ups-take.lua', numberOfKeys: 2 },
  nextIdOnce: { file: 'next-id-once.lua', numberOfKeys: 2 },
  recordEvidence: { file: 'record-evidence.lua', numberOfKeys: 3 },
  photosHold: { file: 'photos-hold.lua', numberOfKeys: 2 },
  photosTake: { file: 'photos-take.lua', numberOfKeys: 2 },
  scanIssueBatch: { file: 'scan-issues.lua' },
  readPage: { file: 'read-page.lua' },
  readReport: { file: 'read-report.lua' },
  createTask: { file: 'create-task.lua' },
  cancelTask: { file: 'cancel-task.lua' },
  addRecord: { file: 'add-record.lua' },
  roundOpen: { file: 'round-open.lua' },
  roundClose: { file: 'round-close.lua' },
  withdrawScoreEntry: { file: 'withdraw-score-entry.lua' },
  exportFileCreate: { file: 'export-file-create.lua', numberOfKeys: 1 },
  exportFileMark: { file: 'export-file-mark.lua', numberOfKeys: 1 },
  claimOnce: { file: 'claim-once.lua', numberOfKeys: 1 },
  releaseClaim: { file: 'release-claim.lua', numberOfKeys: 1 },
  rateTake: { file: 'rate-take.lua', numberOfKeys: 1 },
  leaseRenew: { file: 'lease-renew.lua', numberOfKeys: 1 },
  leaseRelease: { file: 'lease-release.lua', numberOfKeys: 1 },
  orgPublish: { file: 'org-publish.lua', numberOfKeys: 2 },
};

let sources: Map<string, string> | undefined;

function scriptSources(): Map<string, string> {
  const read = (file: string) => readFileSync(path.join(packageRoot(), 'src', 'store', 'lua', file), 'utf8');
  // A wrapper reuses a script's body verbatim: its `return`s end the inner function, not the wrapper.
  sources ??= new Map(Object.entries(SCRIPTS).map(([name, s]) => [name, s.wraps ? `local function commit()\n${read(s.wraps)}\nend\n${read(s.file)}` : read(s.file)]));
  return sources;
}

/** Defines every script not yet defined on this client (a second call does nothing). */
export function defineScripts(redis: RedisClient): void {
  const has = redis as unknown as Record<string, unknown>;
  for (const [name, lua] of scriptSources()) {
    if (typeof has[name] === 'function') continue;
    const keys = SCRIPTS[name]!.numberOfKeys;
    redis.defineCommand(name, keys === undefined ? { lua } : { lua, numberOfKeys: keys });
  }
}

/** The script names, for the test that every .lua file is registered. */
export const SCRIPT_FILES: readonly string[] = Object.values(SCRIPTS).map((s) => s.file);
