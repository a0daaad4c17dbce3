import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Keys } from './keys';
import type { RedisClient } from './redis';

/**
 * The dashboard's sign-in tokens and sessions (docs/design.md §7.4). Both are random secrets
 * kept in Redis under a hash of their value, with a TTL: a token is consumed by GETDEL (one
 * command, so two clicks on one link cannot both sign in), a session is deleted on sign-out.
 * Each value also carries its expiry, so the app's clock decides as well as Redis's.
 */
export const SIGN_IN_TTL_MS = 10 * 60_000;
export const SESSION_TTL_MS = 8 * 60 * 60_000;

const Stored = z.object({ userid: z.string().min(1), created: z.number(), expiresAt: z.number(), csrf: z.string().optional() });
export type Stored = z.infer<typeof Stored>;

export type Consumed = { ok: true; userid: string } | { ok: false; reason: 'unknown' | 'expired' };

const digest = (secret: string) => createHash('sha256').update(secret).digest('base64url');
/** 128 random bits, URL-safe. */
const secret = (bytes: number) => randomBytes(bytes).toString('base64url');
/** What a token or a cookie may look like: anything else is refused before Redis is asked. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{16,64}$/;

function parse(raw: string | null): Stored | undefined {
  if (raw === null) return undefined;
  try {
    const r = Stored.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export class SessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** A one-time sign-in token for a person, valid SIGN_IN_TTL_MS from now. */
  async issueSignIn(userid: string, now: number): Promise<{ token: string; expiresAt: number }> {
    const token = secret(16);
    const expiresAt = now + SIGN_IN_TTL_MS;
    await this.redis.set(this.keys.signIn(digest(token)), JSON.stringify({ userid, created: now, expiresAt }), 'PX', SIGN_IN_TTL_MS);
    return { token, expiresAt };
  }

  /** Uses a token up: whoever asks first gets the person, every later ask "unknown". */
  async consumeSignIn(token: string, now: number): Promise<Consumed> {
    if (!SECRET_SHAPE.test(token)) return { ok: false, reason: 'unknown' };
    const stored = parse(await this.redis.getdel(this.keys.signIn(digest(token))));
    if (!stored) return { ok: false, reason: 'unknown' };
    if (now >= stored.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, userid: stored.userid };
  }

  /** A new session for a person (with its CSRF token); the returned id goes into the cookie and nowhere else. */
  async createSession(userid: string, now: number): Promise<{ id: string; expiresAt: number }> {
    const id = secret(32);
    const expiresAt = now + SESSION_TTL_MS;
    // The page sends this back on every POST (the export): a request another site makes cannot know it.
    const csrf = secret(24);
    await this.redis.set(this.keys.session(digest(id)), JSON.stringify({ userid, created: now, expiresAt, csrf }), 'PX', SESSION_TTL_MS);
    return { id, expiresAt };
  }

  /** The session's person, while it lasts. */
  async session(id: string | undefined, now: number): Promise<Stored | undefined> {
    if (!id || !SECRET_SHAPE.test(id)) return undefined;
    const stored = parse(await this.redis.get(this.keys.session(digest(id))));
    return stored && now < stored.expiresAt ? stored : undefined;
  }

  /** Ends a session (sign-out); true when there was one. */
  async endSession(id: string | undefined): Promise<boolean> {
    if (!id || !SECRET_SHAPE.test(id)) return false;
    return (await this.redis.del(this.keys.session(digest(id)))) > 0;
  }
}
