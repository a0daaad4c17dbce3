import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { templateCardSchema } from '../src/transport/template-card';

/**
 * One message duban sends into a chat on its own (reminder, digest, 回头看, 通报, /催办).
 * Its id is deterministic (issue, slot, deadline or tick), so a push is queued and sent once.
 */
/**
 * A generated file a push delivers (kind and format 'file'): the group robot gets it uploaded
 * (docs/wecom-protocol.md §4.3), the local sink shows its name and link. `path` is the name under
 * DATA_DIR/exports, never a full path: queue data must not be able to point anywhere else.
 */
export const pushFileSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  name: z.string().min(1).max(255),
  path: z.string().regex(/^[A-Za-z0-9_-]{8,64}\.(xlsx|docx)$/),
  /** The signed download link (for the sink, which cannot carry the file itself). */
  link: z.url(),
});
export type PushFile = z.output<typeof pushFileSchema>;

export const pushSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/, 'push ids are BullMQ job ids: no ":" and not all digits').refine((s) => !/^\d+$/.test(s)),
    chatId: z.string().min(1),
    kind: z.enum(['reminder', 'overdue-digest', 'escalation', 'revisit', 'bulletin', 'remind-now', 'fix-reported', 'file', 'summary', 'task', 'card-result']),
    /** Plain text (the group robot's text message: it can @ people); markdown for bulletins; 'file' for a generated file. */
    format: z.enum(['text', 'markdown', 'file']),
    /** For a file: the caption the sink shows above the file line (the robot sends the file alone). */
    content: z.string().min(1),
    /** Userids to @ (mentioned_list). */
    mentions: z.array(z.string()).default([]),
    file: pushFileSchema.optional(),
    /**
     * The push as a card with buttons, where its channel can carry one (the long connection's
     * proactive send); every other channel sends `content`, which says the same in words.
     */
    card: templateCardSchema.optional(),
    createdAt: z.number(),
  })
  .refine((p) => (p.kind === 'file') === (p.format === 'file') && (p.format === 'file') === (p.file !== undefined), {
    message: "a file push has kind 'file', format 'file' and a file; no other push has any of them",
  });
export type Push = z.output<typeof pushSchema>;
export type PushInput = z.input<typeof pushSchema>;

export const OUTBOUND_ATTEMPTS = 8;

/** Retries with exponential backoff (5 s, 10 s, 20 s … ≈ 10 min in all); failures stay visible. */
export function pushJobOptions(push: Push, delayMs = 0): JobsOptions {
  return {
    jobId: push.id,
    attempts: OUTBOUND_ATTEMPTS,
    backoff: { type: 'exponential', delay: 5_000 },
    // Done jobs go: the sent-marker (kept a month) is what makes a re-queued id a no-op.
    removeOnComplete: true,
    removeOnFail: false,
    ...(delayMs > 0 ? { delay: delayMs } : {}),
  };
}

/** BullMQ job ids may not contain ":"; keep ids readable and safe. */
export function jobIdPart(s: string | number): string {
  return String(s).replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** The push a chat message causes about an issue: once per message, so a re-sent callback queues nothing new. */
export function messagePushId(kind: Push['kind'], issueId: number, msgid: string): string {
  return `${kind}-${issueId}-${createHash('sha1').update(msgid).digest('hex').slice(0, 16)}`;
}
