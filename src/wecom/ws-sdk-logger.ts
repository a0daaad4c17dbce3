import type { Logger as SdkLogger } from '@wecom/aibot-node-sdk';
import type { Logger } from '../log/logger';

/**
 * The SDK's Logger on ours. The SDK's debug lines carry whole frames (message bodies: personal
 * text), so they pass only at debug. Its info lines (connecting, auth frame sent, …) are our
 * debug: the transport logs each state change itself, once. Its warnings and errors keep their
 * words; their extra arguments are kept only when they are a short error text, never a frame
 * (the SDK passes frames as JSON strings).
 */
export function sdkLogger(logger: Logger): SdkLogger {
  const base = { component: 'wecom-sdk' };
  const detail = (args: unknown[]) => {
    const texts = args.filter((a): a is string => typeof a === 'string' && a.length <= 200 && !/^\s*[[{]/.test(a));
    return texts.length ? { detail: texts.join(' ') } : {};
  };
  return {
    debug(message, ...args) {
      if (logger.isLevelEnabled('debug')) logger.debug({ ...base, args: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))) }, message);
    },
    info(message) {
      logger.debug(base, message);
    },
    warn(message, ...args) {
      logger.warn({ ...base, ...detail(args) }, message);
    },
    error(message, ...args) {
      logger.error({ ...base, ...detail(args) }, message);
    },
  };
}
