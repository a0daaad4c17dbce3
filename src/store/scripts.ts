import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../config/paths';
import type { RedisClient } from './redis';

/**
 * Every Lua script duban runs, by the method name it has on a client (each store declares its
 * method's type beside the code that calls it). defineScripts puts the methods on the client
 * itself; each sends its script by SHA (EVALSHA) and falls back to EVAL, which also caches it
 * again, when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH).
 *
 * Why not ioredis's defineCommand: every pipeline ioredis builds — and with auto-pipelining that
 * is one per batch of commands, so about one per callback — copies each defined command onto
 * itself, and at 25 scripts that copy was 4 % of the server's CPU at a steady 1 000 callbacks a
 * second (docs/design.md §6.2). No script is ever called inside a MULTI or an explicit pipeline,
 * so the methods live on the client only.
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

type Script = { lua: string; sha: string; numberOfKeys: number | undefined };

let scripts: Map<string, Script> | undefined;

/** Each script's body (read once) with its SHA and key count. */
function allScripts(): Map<string, Script> {
  const read = (file: string) => readFileSync(path.join(packageRoot(), 'src', 'store', 'lua', file), 'utf8');
  scripts ??= new Map(
    Object.entries(SCRIPTS).map(([name, s]) => {
      // A wrapper reuses a script's body verbatim: its `return`s end the inner function, not the wrapper.
      const lua = s.wraps ? `local function commit()\n${read(s.wraps)}\nend\n${read(s.file)}` : read(s.file);
      return [name, { lua, sha: createHash('sha1').update(lua).digest('hex'), numberOfKeys: s.numberOfKeys }];
    }),
  );
  return scripts;
}

const isNoScript = (err: unknown): boolean => err instanceof Error && err.message.startsWith('NOSCRIPT');

/**
 * The script's method for one client: the first call sends the body (EVAL, which caches it in
 * Redis), later ones the SHA, and a NOSCRIPT answer (a restart, a flush, another Cluster node)
 * sends the body once more. Args are (numkeys, ...keys, ...argv), or (...keys, ...argv) when the
 * script declares its key count.
 */
function scriptMethod(redis: RedisClient, script: Script): (...args: (string | Buffer | number)[]) => Promise<unknown> {
  let cached = false;
  const send = (numKeys: number, rest: (string | Buffer | number)[]) => {
    cached = true;
    return redis.eval(script.lua, numKeys, ...rest);
  };
  return (...args) => {
    const full = script.numberOfKeys === undefined ? args : [script.numberOfKeys, ...args];
    const [numKeys, ...rest] = full as [number, ...(string | Buffer | number)[]];
    if (!cached) return send(numKeys, rest);
    return redis.evalsha(script.sha, numKeys, ...rest).catch((err: unknown) => {
      if (!isNoScript(err)) throw err;
      return send(numKeys, rest);
    });
  };
}

/** Puts every script's method on this client (a second call does nothing). */
export function defineScripts(redis: RedisClient): void {
  const has = redis as unknown as Record<string, unknown>;
  for (const [name, script] of allScripts()) {
    if (typeof has[name] === 'function') continue;
    Object.defineProperty(redis, name, { value: scriptMethod(redis, script), enumerable: false });
  }
}

/** Each script's name by its SHA, for the tests that show which script a round trip carried. */
export function scriptNamesBySha(): Map<string, string> {
  return new Map([...allScripts()].map(([name, script]) => [script.sha, name]));
}

/** The script names, for the test that every .lua file is registered. */
export const SCRIPT_FILES: readonly string[] = Object.values(SCRIPTS).map((s) => s.file);
