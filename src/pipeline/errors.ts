/**
 * Typed errors with stable codes. Handlers throw them; the pipeline's one boundary turns them
 * into replies (⚠️ with an example, or 无权限 naming who may). Nothing else catches them.
 */
export type ErrorCode = 'usage' | 'permission' | 'not_found' | 'conflict';

export abstract class DubanError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message?: string) {
    // A refusal is an answer, not a fault: nobody reads its stack, and capturing one for every
    // "already closed" at load was a measurable share of the server's CPU.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** Wrong or missing input: the reply shows what is wrong and one correct example. */
export class UsageError extends DubanError {
  readonly code = 'usage';
  constructor(
    message: string,
    readonly example?: string,
  ) {
    super(message);
  }
}

/**
 * The sender's role does not allow this; `allowed` says who may, in Chinese. `reason`, when
 * given, is the whole sentence that says why this person may not (e.g. 两人核验), shown instead.
 */
export class PermissionError extends DubanError {
  readonly code = 'permission';
  constructor(
    readonly allowed: string,
    /** The real reason in a sentence, when "only X may" is not it ("喜观村（七塘镇）不在第一工作队的片区"). */
    readonly reason?: string,
  ) {
    super(`only ${allowed}`);
  }
}

export class NotFoundError extends DubanError {
  readonly code = 'not_found';
  constructor(message: string, readonly example?: string) {
    super(message);
  }
}

/** The issue is not in a state that allows the step (often: someone else got there first). */
export class ConflictError extends DubanError {
  readonly code = 'conflict';
}

/** What a half-filled command still needs; `ref` answers may be a bare number. */
export type DraftField = 'ref' | 'unit' | 'description' | 'assignee' | 'note' | 'reason' | 'deadline' | 'outcome' | 'rating';

/**
 * A required field is missing: the pipeline keeps the command as a draft, asks this question,
 * and the same user's next message in the same chat supplies the answer.
 */
export class NeedInput extends Error {
  constructor(
    readonly field: DraftField,
    readonly question: string,
    readonly example: string,
    /** The command text to keep in the draft, when a wrong part must be left out (an ambiguous unit). */
    readonly draftText?: string,
  ) {
    super(question);
  }
}
