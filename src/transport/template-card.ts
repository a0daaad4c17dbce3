import { z } from 'zod';

/**
 * The subset of WeCom's TemplateCard (docs/wecom-protocol.md §1.9) duban sends: a
 * button_interaction card (with buttons) or a text_notice (a card after the fact, no buttons).
 * Both transports send it verbatim; the schema bounds what the message log stores and reads back.
 * Text in it is user data rendered by WeCom as plain text (cards have no markup).
 */
const title = z.object({ title: z.string().max(64).optional(), desc: z.string().max(64).optional() });
const button = z.object({ text: z.string().min(1).max(20), style: z.number().int().min(1).max(4).optional(), key: z.string().min(1).max(1024) });
const horizontal = z.object({ keyname: z.string().max(10), value: z.string().max(64).optional(), type: z.number().int().optional(), url: z.string().optional(), userid: z.string().optional() });

export const templateCardSchema = z.object({
  card_type: z.enum(['button_interaction', 'text_notice']),
  /** ≤ 128 bytes of [0-9A-Za-z_\-@], unique per bot; required for buttons and for updates. */
  task_id: z.string().regex(/^[0-9A-Za-z_\-@]{1,128}$/).optional(),
  source: z.object({ desc: z.string().max(26).optional(), desc_color: z.number().int().min(0).max(3).optional() }).optional(),
  main_title: title.optional(),
  emphasis_content: title.optional(),
  sub_title_text: z.string().max(224).optional(),
  horizontal_content_list: z.array(horizontal).max(6).optional(),
  card_action: z.object({ type: z.number().int().min(0).max(2), url: z.string().optional() }).optional(),
  button_list: z.array(button).max(6).optional(),
}).refine((c) => c.card_type !== 'text_notice' || (c.card_action !== undefined && c.card_action.type !== 0 && (c.main_title?.title !== undefined || c.sub_title_text !== undefined)), {
  // WeCom refuses a text_notice without a click action (a link or a mini program, never type 0)
  // or without a title or a subtitle (docs/wecom-protocol.md §1.9).
  message: 'a text_notice needs card_action (type 1 or 2) and main_title.title or sub_title_text',
});
export type TemplateCard = z.output<typeof templateCardSchema>;
