/**
 * Every Redis key duban writes, in one place, under one prefix (default "duban:"). Tests give
 * each run its own prefix; BullMQ queues live under `${prefix}bull`.
 */
export interface Keys {
  prefix: string;
  /** Processed callback, by sha1(msgid) (also the passive-reply stream id): pending or the reply. */
  message(streamId: string): string;
  bullPrefix: string;
}

export function createKeys(prefix: string): Keys {
  return {
    prefix,
    message: (streamId) => `${prefix}msg:${streamId}`,
    bullPrefix: `${prefix}bull`,
  };
}
