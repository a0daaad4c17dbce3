import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Context } from 'koa';

/**
 * Who may read /metrics and the detailed /healthz (queue sizes, where Redis is, what is wrong):
 * with ADMIN_TOKEN set, whoever sends `Authorization: Bearer <ADMIN_TOKEN>`; without it, only a
 * client on this host. Everyone else gets the bare `{ok}` a load balancer needs.
 */
export type AdminAccess = { granted: true } | { granted: false; reason: 'no_token' | 'bad_token' | 'not_loopback' };

/**
 * Headers a reverse proxy adds. A proxy on this host connects from loopback on behalf of a
 * client elsewhere, so a request carrying one is never "local" — whatever TRUST_PROXY says:
 * with TRUST_PROXY=true the header names the real client, and with false it cannot be trusted
 * to name anyone, least of all 127.0.0.1.
 */
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

export function adminAccess(ctx: Context, adminToken: string | undefined): AdminAccess {
  if (adminToken !== undefined) {
    const given = /^Bearer +(\S+) *$/i.exec(ctx.get('authorization'))?.[1];
    if (given === undefined) return { granted: false, reason: 'no_token' };
    return sameSecret(given, adminToken) ? { granted: true } : { granted: false, reason: 'bad_token' };
  }
  const local = isLoopbackAddress(ctx.req.socket.remoteAddress) && FORWARDING_HEADERS.every((h) => ctx.get(h) === '');
  return local ? { granted: true } : { granted: false, reason: 'not_loopback' };
}

/** Constant time in the secret's content and length: both sides are hashed to 32 bytes first. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped form (a dual-stack socket reports ::ffff:127.0.0.1). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1'; // Node reports addresses in canonical form
}
