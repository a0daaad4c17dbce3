import type { Clock } from '../clock';
import { parseOrg } from '../config/org-file';
import { loadOrgSource, type OrgProblem } from '../config/org-source';
import type { Org } from '../domain/org';
import { diffOrg, findOrphanedIssues, type OrgDiff, type OrphanList, type OrphanReader } from '../domain/org-diff';
import type { Logger } from '../log/logger';
import type { Keys } from './keys';
import { OrgChannel, subscribeOrgChanges, type OrgSubscription } from './org-channel';
import type { RedisClient } from './redis';

/** Why this instance re-read the stored org: an announcement, a reconnect (announcements may have been missed), its start, or asked. */
type FollowReason = 'message' | 'reconnect' | 'start' | 'asked';

/** What a /reload or SIGHUP came to. */
export type ReloadOutcome =
  | { kind: 'no-file' }
  | { kind: 'refused'; file: string; problems: OrgProblem[] }
  | { kind: 'reloaded'; file: string; version: number; hash: string; diff: OrgDiff; orphans: OrphanList; warnings: OrgProblem[] };

/** What handlers get to reload the organisation (CommandContext.orgReload). */
export interface OrgReloader {
  /** ORG_FILE, when this app knows it. */
  readonly file: string | undefined;
  /** Validates ORG_FILE, publishes it to every instance and switches this one; `by` is who asked. */
  reload(by: string): Promise<ReloadOutcome>;
}

export interface OrgSyncDeps {
  redis: RedisClient;
  redisUrl: string;
  keys: Keys;
  /** The environment `env:` webhook-key references resolve in, per instance. */
  env: NodeJS.ProcessEnv;
  orgFile: string | undefined;
  /** The text this instance started with (its ORG_FILE's validated YAML and file hash); absent: it only follows. */
  source: { yaml: string; hash: string } | undefined;
  org(): Org;
  setOrg(org: Org): void;
  ledger: OrphanReader;
  clock: Clock;
  logger: Logger;
}

export interface OrgSync extends OrgReloader {
  /**
   * Subscribes, then publishes this instance's file only when Redis holds no organisation yet;
   * otherwise it follows the stored one (what the last /重新加载 or SIGHUP validated).
   */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the org stored now is the one in force here (tests, and after start). */
  sync(): Promise<void>;
  /** The version and hash in force here (0 and '' before any was published). */
  current(): { version: number; hash: string };
}

/**
 * The app's part in the shared organisation: every instance and worker follows org:current; a
 * reload validates the file, publishes it and switches at once, and the others switch when they
 * hear of it. A stored text that does not parse here (an `env:` key this instance lacks) is
 * refused here with an error log, the old org staying.
 */
export function createOrgSync(deps: OrgSyncDeps): OrgSync {
  const channel = new OrgChannel(deps.redis, deps.keys);
  let version = 0;
  let hash = deps.source?.hash ?? '';
  /** The stored text this instance could not use (its hash), so a follow does not log it again. */
  let refused = '';
  let subscription: OrgSubscription | undefined;
  // One follow at a time, in order: two announcements close together must not apply out of order.
  let following: Promise<void> = Promise.resolve();

  async function follow(why: FollowReason): Promise<void> {
    const stored = await channel.current();
    // Any difference, not only a newer version: a Redis emptied and restored (or replaced) starts
    // its versions again, and the text stored there is still the one in force.
    if (!stored || (stored.version === version && (stored.hash === hash || stored.hash === refused))) return;
    if (stored.hash === hash) {
      version = stored.version;
      return;
    }
    let next: Org;
    try {
      next = parseOrg(stored.yaml, deps.env, `org:current v${stored.version}`);
    } catch (err) {
      // Not retried for this version: the text will not read better by itself.
      version = stored.version;
      refused = stored.hash;
      deps.logger.error({ version: stored.version, hash: stored.hash, error: (err as Error).message }, 'published organisation refused here; the previous one stays in force on this instance');
      return;
    }
    deps.setOrg(next);
    deps.logger.info({ why, version: stored.version, hash: stored.hash, from: hash, by: stored.by, people: next.people.length, units: next.units.length, teams: next.teams.length }, 'organisation switched');
    version = stored.version;
    hash = stored.hash;
  }

  function sync(why: FollowReason = 'asked'): Promise<void> {
    const run = () => follow(why);
    following = following.then(run, run).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'organisation not re-read from Redis'));
    return following;
  }

  return {
    file: deps.orgFile,
    async start() {
      subscription = await subscribeOrgChanges(deps.redisUrl, deps.keys, deps.logger, (why) => void sync(why));
      if (deps.source) {
        // Never over a stored org: a worker started without ORG_FILE (the demo) or with a stale
        // copy must not undo a /重新加载 for every instance.
        const res = await channel.publish({ ...deps.source, source: deps.orgFile ?? '' }, 'start-up', deps.clock.now().getTime(), true);
        if (res.published) version = res.version;
        else if (res.previous !== deps.source.hash) {
          deps.logger.warn(
            { inForce: res.previous, local: deps.source.hash, version: res.version, file: deps.orgFile },
            'this instance started with another organisation file than the one in force: following the stored one; to make this file apply, send /重新加载 (or SIGHUP) to an instance that has it',
          );
        }
      }
      await sync('start');
    },
    async stop() {
      await subscription?.stop();
      subscription = undefined;
    },
    sync,
    current: () => ({ version, hash }),
    async reload(by) {
      if (!deps.orgFile) return { kind: 'no-file' };
      const load = await loadOrgSource(deps.orgFile, deps.env);
      if (!load.ok) return { kind: 'refused', file: deps.orgFile, problems: load.problems };
      const before = deps.org();
      // In the follow queue: no follow of an older announcement runs between the publish and the switch.
      const step = following.then(async () => {
        const published = await channel.publish({ yaml: load.yaml, hash: load.hash, source: deps.orgFile! }, by, deps.clock.now().getTime(), false);
        deps.setOrg(load.org);
        version = published.version;
        hash = load.hash;
        return published;
      });
      following = step.then(
        () => undefined,
        () => undefined,
      );
      const res = await step;
      deps.logger.info({ version, hash, replaced: res.previous, by, people: load.org.people.length, units: load.org.units.length, teams: load.org.teams.length }, 'organisation reloaded and published');
      const diff = diffOrg(before, load.org);
      const orphans = await findOrphanedIssues(deps.ledger, before, load.org, diff);
      return { kind: 'reloaded', file: deps.orgFile, version, hash, diff, orphans, warnings: load.problems.filter((p) => p.severity === 'warning') };
    },
  };
}
