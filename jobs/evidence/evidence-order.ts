import { z } from 'zod';

/**
 * One image or file of a message to keep as evidence (docs/design.md §6): where to download it
 * (WeCom's link, valid minutes), how to decrypt it (the long connection's per-item key; webhook
 * media use the callback EncodingAESKey) and which evidence entry of which record it belongs to.
 * The link and key live only in the job, never in the ledger.
 */
export const evidenceOrderSchema = z.object({
  /** The issue whose evidence entry this is. */
  issueId: z.number().int().positive(),
  /** The message the media came in, and the media's place in it: names the evidence entry. */
  msgid: z.string().min(1).max(256),
  index: z.number().int().min(0).max(99),
  kind: z.enum(['image', 'file', 'video']),
  transport: z.enum(['webhook', 'ws']),
  url: z.string().min(1).max(4096),
  aesKey: z.string().max(128).optional(),
  /** Who sent the media: the audit entry of its outcome names them. */
  by: z.string().min(1).max(128),
  at: z.number(),
});
export type EvidenceOrder = z.output<typeof evidenceOrderSchema>;
