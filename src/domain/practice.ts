import type { Evidence } from './issue';

/**
 * A 典型经验 (good practice) the teams found at a unit ("213工作法", "云说事"): who recorded it,
 * when, where, in their words, with the photos of the message. Records are only added, never
 * edited: the department's sheet and the quarterly summary read them as they were recorded.
 */
export interface Practice {
  /** District-wide sequence, shown "典型 #3" (never "#3" alone: that is an issue). */
  id: number;
  unitId: string;
  /** The userid who recorded it. */
  author: string;
  at: number;
  /** The chat it was recorded in. */
  chatId: string;
  text: string;
  evidence: Evidence[];
}

/** The longest practice text kept (a few paragraphs; the document itself belongs in a file). */
export const PRACTICE_TEXT_MAX = 1000;
