import http from 'node:http';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { startTestApp, type TestApp, type TestAppOptions } from './app';
import { scriptNamesBySha } from '../../src/store/scripts';

/**
 * Counts the Redis round trips one callback costs, end to end over the real protocol.
 *
 * The hook: the `write` of each of the app's ioredis sockets, wrapped (observing, calling through)
 * for the duration of one measured call. ioredis emits no per-flush event, and with auto-pipelining
 * the commands of one event-loop turn go out in one `stream.write` (Pipeline.exec concatenates
 * them), while a lone command is one `stream.write` of its own — so a write is a flush, and a flush
 * is a round trip: every command in it waits for its answer. MONITOR was the other option; it was
 * not taken because it shows commands, not writes (a batch of three looks like three commands a
 * few µs apart, so grouping by timestamp guesses), and it adds its own load to the server.
 *
 * Which socket is whose: the ioredis instances are recorded as the app makes them (Redis.prototype
 * .connect is wrapped while the app starts, again calling through). The app's command connection
 * is the one createRedis makes: auto-pipelining on and no connection name (src/store/redis.ts);
 * the org channel's subscriber is named `…org-sub`; the rest are BullMQ's queue connections,
 * reported apart (a queue add before the reply is on the critical path too, but on another socket).
 * EVALSHA is shown by the script's name: duban's from its registry, a library's from the client's defined commands.
 */

export interface Flush {
  /** The commands the write carried, in order: a script by its name (EVALSHA → commitIssue). */
  commands: string[];
}

export interface Trips {
  /** Writes on the app's command connection before the reply. */
  command: Flush[];
  /** Writes on every other connection of the app before the reply, by label (bullmq:1, org-sub…). */
  others: Record<string, Flush[]>;
  /** Writes on any connection after the reply was written (the follow-ups), by label. */
  after: Record<string, Flush[]>;
}

export interface Watched {
  /** 'command' for the connection whose writes go to Trips.command. */
  label: string;
  redis: Redis;
}

type ScriptSet = Record<string, { sha: string } | undefined>;

export interface CountedApp {
  t: TestApp;
  /** Runs `fn` (e.g. one `client.say`) and returns the writes each connection made meanwhile. */
  measure<T>(fn: () => Promise<T>): Promise<{ result: T; trips: Trips }>;
}

/** startTestApp, with the app's Redis connections known by role. */
export async function startCountedApp(opts: TestAppOptions = {}): Promise<CountedApp> {
  const made: Redis[] = [];
  const proto = Redis.prototype as unknown as { connect: (this: Redis, ...args: unknown[]) => unknown };
  const connect = proto.connect;
  proto.connect = function (this: Redis, ...args: unknown[]) {
    if (!made.includes(this)) made.push(this);
    return connect.apply(this, args);
  };
  let t: TestApp;
  try {
    t = await startTestApp(opts);
  } finally {
    proto.connect = connect;
  }
  const watched = label(made.filter((r) => r !== t.redis));
  if (watched.filter((w) => w.label === 'command').length !== 1) {
    throw new Error(`expected one command connection, found: ${watched.map((w) => w.label).join(', ')}`);
  }
  return { t, measure: (fn) => measure(watched, fn, { untilReply: true, settle: () => t.app.settled() }) };
}

function label(clients: Redis[]): Watched[] {
  let queue = 0;
  return clients.map((redis) => {
    const o = redis.options;
    if (o.enableAutoPipelining && !o.connectionName) return { label: 'command', redis };
    if (o.connectionName?.endsWith('org-sub')) return { label: 'org-sub', redis };
    return { label: `bullmq:${++queue}`, redis };
  });
}

/**
 * Runs `fn` and returns the writes the given connections made meanwhile (startCountedApp's measure).
 * `untilReply`: writes after the first HTTP response is ended (the server's reply: the app and the
 * client share this process) count as `after`; `settle` is awaited before the hooks come off, so
 * the work after one reply never lands in the next measurement.
 */
export async function measure<T>(watched: Watched[], fn: () => Promise<T>, opts: { untilReply?: boolean; settle?: () => Promise<void> } = {}): Promise<{ result: T; trips: Trips }> {
  const trips: Trips = { command: [], others: {}, after: {} };
  const undo: (() => void)[] = [];
  let replied = false;
  if (opts.untilReply) {
    const proto = http.ServerResponse.prototype as unknown as { end: (...a: unknown[]) => unknown };
    const end = proto.end;
    proto.end = function (this: unknown, ...args: unknown[]) {
      replied = true;
      return end.apply(this, args);
    };
    undo.push(() => {
      proto.end = end;
    });
  }
  for (const w of watched) {
    const stream = (w.redis as unknown as { stream?: NodeJS.WritableStream }).stream;
    if (!stream) continue;
    const names = scriptNames(w.redis);
    const flushes: Flush[] = w.label === 'command' ? trips.command : (trips.others[w.label] = []);
    const later: Flush[] = (trips.after[w.label] = []);
    const write = stream.write;
    // An own property shadows the prototype's write on this one socket only.
    stream.write = function (this: NodeJS.WritableStream, chunk: unknown, ...rest: unknown[]) {
      (replied ? later : flushes).push({ commands: commandsIn(chunk, names) });
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as NodeJS.WritableStream['write'];
    undo.push(() => {
      delete (stream as unknown as Record<string, unknown>).write;
      if (stream.write !== write) stream.write = write;
    });
  }
  try {
    const result = await fn();
    await opts.settle?.();
    for (const [k, v] of Object.entries(trips.others)) if (!v.length) delete trips.others[k];
    for (const [k, v] of Object.entries(trips.after)) if (!v.length) delete trips.after[k];
    return { result, trips };
  } finally {
    for (const u of undo) u();
  }
}

function scriptNames(redis: Redis): Map<string, string> {
  // duban's own scripts, and those a library (BullMQ) defined on its clients through ioredis.
  const set = (redis as unknown as { scriptsSet?: ScriptSet }).scriptsSet ?? {};
  const names = scriptNamesBySha();
  for (const [name, script] of Object.entries(set)) if (script) names.set(script.sha, name);
  return names;
}

/** The command names in a chunk of RESP requests (arrays of bulk strings). */
export function commandsIn(chunk: unknown, scripts: Map<string, string>): string[] {
  const buf = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk) : chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined;
  if (!buf) return ['?'];
  const out: string[] = [];
  let i = 0;
  const line = (): string => {
    const end = buf.indexOf('\r\n', i);
    if (end < 0) throw new Error('truncated');
    const s = buf.toString('latin1', i, end);
    i = end + 2;
    return s;
  };
  const bulk = (): string => {
    const head = line();
    if (head[0] !== '$') throw new Error('not a bulk string');
    const n = Number(head.slice(1));
    const s = buf.toString('utf8', i, i + n);
    i += n + 2;
    return s;
  };
  try {
    while (i < buf.length) {
      const head = line();
      if (head[0] !== '*') throw new Error('not an array');
      const n = Number(head.slice(1));
      const args: string[] = [];
      // The name and, for a script or a subcommand, the next argument.
      for (let k = 0; k < n; k++) {
        const a = bulk();
        if (k < 2) args.push(a);
      }
      const name = (args[0] ?? '?').toLowerCase();
      if (name === 'evalsha') out.push(scripts.get(args[1] ?? '') ?? `evalsha:${(args[1] ?? '').slice(0, 8)}`);
      // A script goes by SHA, and as its body (EVAL) when Redis has not cached it: the same trip.
      else if (name === 'eval') out.push(scripts.get(createHash('sha1').update(args[1] ?? '').digest('hex')) ?? `eval(${evalHint(args[1] ?? '')})`);
      else if (['client', 'script', 'config', 'xinfo'].includes(name)) out.push(`${name} ${(args[1] ?? '').toLowerCase()}`);
      else out.push(name);
    }
  } catch {
    out.push('?');
  }
  return out;
}

/** An inline script has no name: its first line of code says what it is. */
function evalHint(lua: string): string {
  const first = lua.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('--')) ?? '';
  return first.length > 40 ? `${first.slice(0, 40)}…` : first;
}

/** One row of the table: "get, hgetall | commitIssue" (a flush per `|`), repeats folded (hmget ×6). */
export function describeFlushes(flushes: Flush[]): string {
  return flushes.map((f) => fold(f.commands)).join(' | ');
}

/** Folds a run of one command, or of a group of up to three repeated, into "group ×n". */
function fold(commands: string[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < commands.length) {
    let best = { len: 1, times: 1 };
    for (let len = 1; len <= 3; len++) {
      let times = 1;
      while (i + (times + 1) * len <= commands.length && commands.slice(i, i + len).every((c, k) => c === commands[i + times * len + k])) times++;
      if (times > 1 && times * len > best.len * best.times) best = { len, times };
    }
    const group = commands.slice(i, i + best.len).join(', ');
    parts.push(best.times > 1 ? (best.len > 1 ? `(${group}) ×${best.times}` : `${group} ×${best.times}`) : group);
    i += best.len * best.times;
  }
  return parts.join(', ');
}
