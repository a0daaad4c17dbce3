import { createHash } from 'node:crypto';
import type { Env } from '../../src/config/env';
import type { Chat } from '../../src/domain/org';
import type { Logger } from '../../src/log/logger';
import type { Keys } from '../../src/store/keys';
import type { RedisClient } from '../../src/store/redis';
import type { Push } from '../push';
import { SinkChannel, WebhookChannel, type Channel } from './channels';

/** A rate-limit window of a destination: at most `limit` sends in `windowMs`. */
export interface Window {
  limit: number;
  windowMs: number;
}

/** Where one push goes: the channel, the destination its rate limit is kept under, and its windows. */
export interface ChannelChoice {
  channel: Channel;
  /** Names the rate-limit window; never the secret itself (a group robot's key). */
  destination: string;
  windows: readonly Window[];
}

export interface Channels {
  choose(push: Push, chat: Chat | undefined): Promise<ChannelChoice>;
}

/** The group robot: 20 messages a minute per robot (docs/wecom-protocol.md §4.4). */
export const GROUP_ROBOT_WINDOWS: readonly Window[] = [{ limit: 20, windowMs: 60_000 }];

export interface ChannelsDeps {
  env: Pick<Env, 'WECOM_API_BASE' | 'WECOM_TRANSPORT'>;
  redis: RedisClient;
  keys: Keys;
  logger: Logger;
}

/**
 * The push channel, by configuration (docs/design.md §5): the chat's group robot when it has a
 * key (the only channel that can @ someone), else the local sink (the demo, a chat not yet
 * connected).
 */
export function createChannels(deps: ChannelsDeps): Channels {
  const sink = new SinkChannel(deps.redis, deps.keys.pushes, deps.logger);
  return {
    async choose(push, chat) {
      if (chat?.webhookKey) {
        return {
          channel: new WebhookChannel(deps.env.WECOM_API_BASE, chat.webhookKey),
          destination: `webhook-${createHash('sha1').update(chat.webhookKey).digest('hex').slice(0, 16)}`,
          windows: GROUP_ROBOT_WINDOWS,
        };
      }
      return { channel: sink, destination: `sink-${push.chatId}`, windows: GROUP_ROBOT_WINDOWS };
    },
  };
}
