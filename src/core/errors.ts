/**
 * The error family of edgelog. Every condition a caller is expected to catch is a
 * {@linkcode LogError} with a readonly, closed {@linkcode LogErrorCode}; invalid
 * arguments get the built-in `TypeError` or `RangeError`.
 *
 * @module
 */

/** The closed set of codes carried by {@linkcode LogError} subclasses. */
export type LogErrorCode =
  | "RECORD_TOO_LARGE"
  | "FUTURE_OFFSET"
  | "OUT_OF_RANGE"
  | "NOT_FOUND"
  | "CONFLICT"
  | "CLOSED";

/**
 * The base class of every domain error of edgelog.
 *
 * @example Telling domain errors apart by code
 * ```ts
 * import { Log, LogError } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const log = new Log();
 * const error = await log.read(0).catch((e) => e);
 * assert(error instanceof LogError);
 * assert.equal(error.code, "FUTURE_OFFSET");
 * ```
 */
export abstract class LogError extends Error {
  /** The machine-readable code of this error. */
  abstract readonly code: LogErrorCode;

  /**
   * Creates a domain error.
   *
   * @param message One sentence describing the condition.
   * @param options The standard error options, such as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A record is larger than the log's maximum record size.
 *
 * @example
 * ```ts
 * import { Log, RecordTooLargeError } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const log = new Log({ maxRecordSize: 4 });
 * const error = await log.write(new Uint8Array(5)).catch((e) => e);
 * assert(error instanceof RecordTooLargeError);
 * assert.equal(error.size, 5);
 * assert.equal(error.limit, 4);
 * ```
 */
export class RecordTooLargeError extends LogError {
  /** Always `"RECORD_TOO_LARGE"`. */
  readonly code = "RECORD_TOO_LARGE" as const;
  /** The size of the rejected record in bytes. */
  readonly size: number;
  /** The maximum record size in bytes. */
  readonly limit: number;

  /**
   * Creates the error for a record of `size` bytes over a `limit`.
   *
   * @param size The size of the rejected record in bytes.
   * @param limit The maximum record size in bytes.
   */
  constructor(size: number, limit: number) {
    super(`Record of "${size}" bytes exceeds the maximum record size of "${limit}" bytes`);
    this.size = size;
    this.limit = limit;
  }
}

/**
 * An offset is at or past the end of the log: it has not been written yet.
 *
 * @example
 * ```ts
 * import { FutureOffsetError, Log } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const error = await new Log().read(7).catch((e) => e);
 * assert(error instanceof FutureOffsetError);
 * assert.equal(error.offset, 7);
 * ```
 */
export class FutureOffsetError extends LogError {
  /** Always `"FUTURE_OFFSET"`. */
  readonly code = "FUTURE_OFFSET" as const;
  /** The offset that was asked for. */
  readonly offset: number;

  /**
   * Creates the error for a future `offset`.
   *
   * @param offset The offset that was asked for.
   */
  constructor(offset: number) {
    super(`Offset "${offset}" has not been written yet`);
    this.offset = offset;
  }
}

/**
 * An offset is below the start of the log, negative, or already purged by retention.
 *
 * @example
 * ```ts
 * import { Log, OutOfRangeError } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const log = new Log({ startOffset: 10 });
 * await log.write(new Uint8Array([1]));
 * const error = await log.read(3).catch((e) => e);
 * assert(error instanceof OutOfRangeError);
 * assert.equal(error.offset, 3);
 * ```
 */
export class OutOfRangeError extends LogError {
  /** Always `"OUT_OF_RANGE"`. */
  readonly code = "OUT_OF_RANGE" as const;
  /** The offset that was asked for. */
  readonly offset: number;

  /**
   * Creates the error for an `offset` outside the log's window.
   *
   * @param offset The offset that was asked for.
   */
  constructor(offset: number) {
    super(`Offset "${offset}" is out of range`);
    this.offset = offset;
  }
}

/**
 * A journal holds no record at a position: it was truncated or not written yet.
 *
 * @example
 * ```ts
 * import { MemoryJournal, NotFoundError } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const error = await new MemoryJournal().get(0).catch((e) => e);
 * assert(error instanceof NotFoundError);
 * assert.equal(error.position, 0);
 * ```
 */
export class NotFoundError extends LogError {
  /** Always `"NOT_FOUND"`. */
  readonly code = "NOT_FOUND" as const;
  /** The position that was asked for. */
  readonly position: number;

  /**
   * Creates the error for a missing `position`.
   *
   * @param position The position that was asked for.
   */
  constructor(position: number) {
    super(`No record at position "${position}"`);
    this.position = position;
  }
}

/**
 * An optimistic-concurrency conflict: the position an append expected is already taken.
 *
 * @example
 * ```ts
 * import { ConflictError, MemoryJournal } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const journal = new MemoryJournal();
 * await journal.append(0, new Uint8Array([1]));
 * const error = await journal.append(0, new Uint8Array([2])).catch((e) => e);
 * assert(error instanceof ConflictError);
 * assert.equal(error.position, 0);
 * ```
 */
export class ConflictError extends LogError {
  /** Always `"CONFLICT"`. */
  readonly code = "CONFLICT" as const;
  /** The position the append expected to be the end. */
  readonly position: number;

  /**
   * Creates the error for an append that expected `position` to be the end.
   *
   * @param position The end position the append was given.
   * @param end The journal's actual end, when known, for the message.
   */
  constructor(position: number, end?: number) {
    super(
      end === undefined
        ? `Position "${position}" is already taken`
        : `Position "${position}" is already taken; the end is "${end}"`,
    );
    this.position = position;
  }
}

/**
 * A journal or log was used after it was closed.
 *
 * @example
 * ```ts
 * import { ClosedError, MemoryJournal } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const journal = new MemoryJournal();
 * await journal.close();
 * const error = await journal.bounds().catch((e) => e);
 * assert(error instanceof ClosedError);
 * ```
 */
export class ClosedError extends LogError {
  /** Always `"CLOSED"`. */
  readonly code = "CLOSED" as const;

  /**
   * Creates the error.
   *
   * @param subject What was closed, for the message. Default `"journal"`.
   */
  constructor(subject = "journal") {
    super(`The ${subject} is closed`);
  }
}
