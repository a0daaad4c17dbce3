import { z } from 'zod';

/**
 * One image or file of a message to keep as evidence (docs/design.md §6): where to download it
 * (WeCom's link, valid minutes), how to decrypt it (the long connection's per-item key; webhook
 * media use the callback EncodingAESKey) and which evidence entry of which record it belongs to.
 * The link and key live only in the job, never in the ledger.
 */
/** Which entry of which issue an order settles, and who sent it: enough to record a failure. */
export const evidenceRefSchema = z.object({
  /** The issue whose evidence entry this is. */
  issueId: z.number().int().positive(),
  /** The message the media came in, and the media's place in it: names the evidence entry. */
  msgid: z.string().min(1).max(256),
  index: z.number().int().min(0).max(99),
  /** Who sent the media: the audit entry of its outcome names them. */
  by: z.string().min(1).max(128),
});
export type EvidenceRef = z.output<typeof evidenceRefSchema>;

/**
 * A media link as it may ride in Redis: http(s) only, no credentials (no `data:`, `file:` …). The
 * hosts are checked against EVIDENCE_MEDIA_HOSTS where the link is fetched (jobs/evidence/download.ts).
 */
export const mediaUrlSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((u) => {
    if (!URL.canParse(u)) return false;
    const url = new URL(u);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
  }, 'must be an http(s) link without credentials');

export const evidenceOrderSchema = evidenceRefSchema.extend({
  kind: z.enum(['image', 'file', 'video']),
  transport: z.enum(['webhook', 'ws']),
  url: mediaUrlSchema,
  aesKey: z.string().max(128).optional(),
  at: z.number(),
});
export type EvidenceOrder = z.output<typeof evidenceOrderSchema>;

/** A settled order as it may stay in BullMQ's sets: without the link and the key (the ledger holds the outcome). */
export function redactedOrder(data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null) return {};
  const { url: _url, aesKey: _key, ...rest } = data as Record<string, unknown>;
  return rest;
}
