import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Clock } from '../../src/clock';
import type { Env } from '../../src/config/env';
import type { Chat } from '../../src/domain/org';
import type { Logger } from '../../src/log/logger';
import type { Keys } from '../../src/store/keys';
import type { RedisClient } from '../../src/store/redis';
import type { LongConnection } from '../../src/wecom/long-connection';
import { TalkedChats } from '../../src/wecom/talked-chats';
import type { Push } from '../push';
import { SinkChannel, WebhookChannel, type Channel } from './channels';
import { LongConnectionChannel, LongConnectionForward } from './long-connection-channel';
import type { Window } from './rate-limit';

export type { Window } from './rate-limit';

/** Where one push goes: the channel, the destination its rate limit is kept under, and its windows. */
export interface ChannelChoice {
  channel: Channel;
  /** Names the rate-limit window; never the secret itself (a group robot's key). */
  destination: string;
  windows: readonly Window[];
}

export interface Channels {
  /** The channel for a push, as any instance's outbound sender sees it (a ws-bound push is forwarded). */
  choose(push: Push, chat: Chat | undefined): Promise<ChannelChoice>;
  /** The long connection itself, for the holder's `outbound-ws` worker. */
  longConnection(push: Push, connection: LongConnection): ChannelChoice;
  /** Where a push goes when the long connection cannot take it: the group robot, else the sink. */
  fallback(push: Push, chat: Chat | undefined): ChannelChoice;
}

/** The group robot: 20 messages a minute per robot (docs/wecom-protocol.md §4.4). */
export const GROUP_ROBOT_WINDOWS: readonly Window[] = [{ limit: 20, windowMs: 60_000 }];
/**
 * The long connection allows per conversation 30 messages a minute AND 1 000 an hour, replies
 * included (docs/wecom-protocol.md §3.6). Replies (the stream and card of an answer, welcomes,
 * card updates and their follow-ups) must go out when asked and are not counted here, so pushes
 * get 20 a minute and 800 an hour: a third of the minute and a fifth of the hour stay for replies.
 */
export const LONG_CONNECTION_WINDOWS: readonly Window[] = [
  { limit: 20, windowMs: 60_000 },
  { limit: 800, windowMs: 3_600_000 },
];

export interface ChannelsDeps {
  env: Pick<Env, 'WECOM_API_BASE' | 'WECOM_TRANSPORT' | 'WECOM_BOT_ID'>;
  redis: RedisClient;
  keys: Keys;
  clock: Clock;
  logger: Logger;
  /** The `outbound-ws` queue (WECOM_TRANSPORT=ws): where ws-bound pushes are handed on. */
  forwardQueue?: Queue;
  /** The `outbound` queue: where the @ part of a carded push that @s someone goes (the group robot). */
  outboundQueue?: Queue;
  backoffMs?: number;
}

const hash = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 16);

/**
 * The push channel, by configuration (docs/design.md §5.4): with WECOM_TRANSPORT=ws, a push that
 * @s nobody into a chat that has messaged the bot goes over the long connection (aibot_send_msg:
 * its words, then its card where it has one). A push with a card that @s someone goes there too,
 * split in two: the words and the card over the long connection, the @ as a short text through
 * the group robot (the only channel that can @). Any other push that @s someone, and any push in
 * webhook mode, goes through the chat's group robot when it has a key; else the local sink (the
 * demo, a chat not yet connected).
 */
export function createChannels(deps: ChannelsDeps): Channels {
  const sink = new SinkChannel(deps.redis, deps.keys.pushes, deps.logger);
  const ws = deps.env.WECOM_TRANSPORT === 'ws' && deps.env.WECOM_BOT_ID !== undefined;
  const talked = new TalkedChats(deps.redis, deps.keys, deps.env.WECOM_BOT_ID ?? '');
  const forward = ws && deps.forwardQueue && deps.outboundQueue ? new LongConnectionForward(deps.forwardQueue, deps.outboundQueue, deps.backoffMs) : undefined;
  const overLongConnection = async (push: Push) =>
    forward !== undefined && push.format !== 'file' && (push.mentions.length === 0 || push.card !== undefined) && (await talked.since(push.chatId, deps.clock.now().getTime())) !== undefined;
  const longConnectionDestination = (push: Push) => `ws-${hash(push.chatId)}`;

  const fallback = (push: Push, chat: Chat | undefined): ChannelChoice => {
    if (chat?.webhookKey) {
      return { channel: new WebhookChannel(deps.env.WECOM_API_BASE, chat.webhookKey), destination: `webhook-${hash(chat.webhookKey)}`, windows: GROUP_ROBOT_WINDOWS };
    }
    return { channel: sink, destination: `sink-${push.chatId}`, windows: GROUP_ROBOT_WINDOWS };
  };

  return {
    async choose(push, chat) {
      if (forward && (await overLongConnection(push))) return { channel: forward, destination: longConnectionDestination(push), windows: LONG_CONNECTION_WINDOWS };
      return fallback(push, chat);
    },
    longConnection(push, connection) {
      return { channel: new LongConnectionChannel(connection, talked, deps.clock), destination: longConnectionDestination(push), windows: LONG_CONNECTION_WINDOWS };
    },
    fallback,
  };
}
