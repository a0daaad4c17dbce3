import type { Keys } from './keys';
import { PracticeStore } from './practice-store';
import type { RedisClient } from './redis';
import { RoundStore } from './round-store';
import { VisitStore } from './visit-store';

/** The department's own records a handler may write and read: 典型经验 and 走访. */
export interface RecordStores {
  practices: PracticeStore;
  visits: VisitStore;
  /** 巡查 rounds (docs/design.md §4.19). */
  rounds: RoundStore;
}

export function createRecordStores(redis: RedisClient, keys: Keys): RecordStores {
  return { practices: new PracticeStore(redis, keys), visits: new VisitStore(redis, keys), rounds: new RoundStore(redis, keys) };
}
