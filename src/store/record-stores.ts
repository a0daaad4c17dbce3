import type { Keys } from './keys';
import { PracticeStore } from './practice-store';
import type { RedisClient } from './redis';
import { TaskStore } from './task-store';
import { VisitStore } from './visit-store';

/** The department's own records a handler may write and read: 典型经验 and 走访. */
export interface RecordStores {
  practices: PracticeStore;
  visits: VisitStore;
  /** The department's tasks (/布置). */
  tasks: TaskStore;
}

export function createRecordStores(redis: RedisClient, keys: Keys): RecordStores {
  return { practices: new PracticeStore(redis, keys), visits: new VisitStore(redis, keys), tasks: new TaskStore(redis, keys) };
}
