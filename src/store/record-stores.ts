import type { Keys } from './keys';
import { PerformanceReader } from './performance-reader';
import { PracticeStore } from './practice-store';
import type { RedisClient } from './redis';
import { TaskStore } from './task-store';
import { TalkStore } from './talk-store';
import { RoundStore } from './round-store';
import { VisitStore } from './visit-store';

/** The department's own records a handler may write and read: 典型经验, 走访 and 提醒约谈; and the 实绩档案 figures. */
export interface RecordStores {
  practices: PracticeStore;
  visits: VisitStore;
  /** The department's tasks (/布置). */
  tasks: TaskStore;
  talks: TalkStore;
  performance: PerformanceReader;
  /** 巡查 rounds (docs/design.md §4.19). */
  rounds: RoundStore;
}

export function createRecordStores(redis: RedisClient, keys: Keys): RecordStores {
  return {
    practices: new PracticeStore(redis, keys),
    visits: new VisitStore(redis, keys),
    tasks: new TaskStore(redis, keys),
    talks: new TalkStore(redis, keys),
    performance: new PerformanceReader(redis, keys),
    rounds: new RoundStore(redis, keys),
  };
}
