import type { Queue } from 'bullmq';
import { pushJobOptions, pushSchema, type Push, type PushInput } from '../push';

/** The one way into the outbound queue: every push goes through here (docs/design.md §5). */
export class Outbox {
  constructor(
    private readonly queue: Queue,
    /** Base of the exponential retry backoff; tests shorten it. */
    private readonly backoffMs = 5_000,
  ) {}

  async enqueue(input: PushInput, delayMs = 0): Promise<Push> {
    const push = pushSchema.parse(input);
    const opts = pushJobOptions(push, delayMs);
    await this.queue.add('push', push, { ...opts, backoff: { type: 'exponential', delay: this.backoffMs } });
    return push;
  }
}
