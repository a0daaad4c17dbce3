import type { WsStatus } from '../wecom/ws-transport';
import type { HealthCheck } from './health';

/** Past this, a connection that keeps failing to come back is a problem for a person. */
export const RECONNECTING_PROBLEM_MS = 60_000;

/**
 * /healthz's `transport` check in ws mode: connected, connecting, standby (another instance holds
 * the bot's one connection) or stopped, with the reason. Not critical: this instance still serves
 * downloads and the dashboard and runs its workers; but a stopped connection, or one that has not
 * come back for a minute, is named as a problem with what to do.
 */
export function longConnectionHealth(status: () => WsStatus, now: () => number): HealthCheck {
  return {
    name: 'transport',
    critical: false,
    async check() {
      const s = status();
      const facts = { kind: 'ws', state: s.state, since: new Date(s.since).toISOString(), ...(s.reason ? { reason: s.reason } : {}), ...(s.attempts ? { attempts: s.attempts } : {}) };
      if (s.state === 'stopped') {
        return { ...facts, problem: `the long connection stopped: ${s.reason ?? 'no reason given'}. Messages to the bot get no answer and pushes go through the group robots until this instance is restarted` };
      }
      if (s.state === 'connecting' && now() - s.since > RECONNECTING_PROBLEM_MS) {
        return { ...facts, problem: `the long connection has not come back for ${Math.round((now() - s.since) / 1000)} s (${s.attempts} attempts; last: ${s.reason ?? 'connecting'}): check that this host reaches WECOM_WS_URL (default wss://openws.work.weixin.qq.com)` };
      }
      return facts;
    },
  };
}
