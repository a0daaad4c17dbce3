import { z } from 'zod';

/**
 * Decrypted intelligent-robot callbacks (docs/wecom-protocol.md §1.2–§1.4). Objects are loose on purpose:
 * WeCom adds fields over time, and an unknown extra field must not turn a message into a 400.
 */
const text = z.looseObject({ content: z.string().max(100_000) });
const media = z.looseObject({ url: z.string().min(1).max(4096), aeskey: z.string().optional() });
const mixedItem = z.discriminatedUnion('msgtype', [
  z.looseObject({ msgtype: z.literal('text'), text }),
  z.looseObject({ msgtype: z.literal('image'), image: media }),
]);
const mixed = z.looseObject({ msg_item: z.array(mixedItem).max(100) });

export const quoteSchema = z.discriminatedUnion('msgtype', [
  z.looseObject({ msgtype: z.literal('text'), text }),
  z.looseObject({ msgtype: z.literal('voice'), voice: text }),
  z.looseObject({ msgtype: z.literal('image'), image: media }),
  z.looseObject({ msgtype: z.literal('file'), file: media }),
  z.looseObject({ msgtype: z.literal('video'), video: media }),
  z.looseObject({ msgtype: z.literal('mixed'), mixed }),
]);

const common = {
  msgid: z.string().min(1).max(256),
  aibotid: z.string().max(256).optional(),
  chatid: z.string().min(1).max(256).optional(),
  chattype: z.enum(['single', 'group']).optional(),
  from: z.looseObject({ userid: z.string().min(1).max(256), corpid: z.string().optional() }),
  response_url: z.string().max(4096).optional(),
  quote: quoteSchema.optional(),
};

export const messageCallbackSchema = z.discriminatedUnion('msgtype', [
  z.looseObject({ ...common, chattype: z.enum(['single', 'group']), msgtype: z.literal('text'), text }),
  z.looseObject({ ...common, chattype: z.enum(['single', 'group']), msgtype: z.literal('voice'), voice: text }),
  z.looseObject({ ...common, chattype: z.enum(['single', 'group']), msgtype: z.literal('mixed'), mixed }),
  z.looseObject({ ...common, chattype: z.enum(['single', 'group']), msgtype: z.literal('image'), image: media }),
  z.looseObject({ ...common, chattype: z.enum(['single', 'group']), msgtype: z.literal('file'), file: media }),
  z.looseObject({ ...common, chattype: z.enum(['single', 'group']), msgtype: z.literal('video'), video: media }),
]);

export const streamRefreshSchema = z.looseObject({
  ...common,
  msgtype: z.literal('stream'),
  stream: z.looseObject({ id: z.string().min(1).max(256) }),
});

export const eventCallbackSchema = z.looseObject({
  ...common,
  msgtype: z.literal('event'),
  create_time: z.number().optional(),
  event: z.looseObject({ eventtype: z.string().min(1).max(128) }),
});

/**
 * The clicked button of a template_card_event: WeCom's documents put it under
 * event.template_card_event, the SDK's typings directly under event; read both
 * (docs/wecom-protocol.md §1.3).
 */
const cardEventFields = z.looseObject({ event_key: z.string().min(1).max(1024), task_id: z.string().min(1).max(128) });
export const cardEventSchema = z
  .looseObject({ template_card_event: cardEventFields.optional(), event_key: z.string().optional(), task_id: z.string().optional() })
  .transform((e, ctx) => {
    const nested = e.template_card_event;
    const flat = cardEventFields.safeParse(e);
    const fields = nested ?? (flat.success ? flat.data : undefined);
    if (!fields) {
      ctx.addIssue({ code: 'custom', message: 'template_card_event without event_key and task_id' });
      return z.NEVER;
    }
    return { eventKey: fields.event_key, taskId: fields.task_id };
  });

/** A group message must say which group: without chatid it would be mistaken for a single chat. */
export const callbackSchema = z
  .union([messageCallbackSchema, streamRefreshSchema, eventCallbackSchema])
  .refine((cb) => cb.chattype !== 'group' || cb.chatid !== undefined, { message: 'group callback without chatid', path: ['chatid'] });

export type MessageCallback = z.output<typeof messageCallbackSchema>;
export type StreamRefresh = z.output<typeof streamRefreshSchema>;
export type EventCallback = z.output<typeof eventCallbackSchema>;
export type Callback = z.output<typeof callbackSchema>;
export type Quote = z.output<typeof quoteSchema>;

/** The `{"encrypt": …}` envelope WeCom POSTs; the official plugin also accepts `Encrypt`. */
export const envelopeSchema = z
  .looseObject({ encrypt: z.string().min(1).optional(), Encrypt: z.string().min(1).optional() })
  .refine((e) => e.encrypt ?? e.Encrypt, { message: 'missing encrypt' })
  .transform((e) => (e.encrypt ?? e.Encrypt)!);

export const signedQuerySchema = z.object({
  msg_signature: z.string().min(1).max(128),
  timestamp: z.string().regex(/^\d{1,13}$/),
  nonce: z.string().min(1).max(128),
});
