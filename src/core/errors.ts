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
  | "PRODUCER_SEQ_GAP"
  | "STALE_EPOCH"
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
 * assert.equal(error.end, 1);
 * ```
 */
export class ConflictError extends LogError {
  /** Always `"CONFLICT"`. */
  readonly code = "CONFLICT" as const;
  /** The position the append expected to be the end. */
  readonly position: number;
  /**
   * The end once the write that took `position` was committed: where a retry can append.
   * `undefined` when the error came from a source that did not say.
   */
  readonly end: number | undefined;

  /**
   * Creates the error for an append that expected `position` to be the end.
   *
   * @param position The end position the append was given.
   * @param end The journal's actual end, when known.
   */
  constructor(position: number, end?: number) {
    super(
      end === undefined
        ? `Position "${position}" is already taken`
        : `Position "${position}" is already taken; the end is "${end}"`,
    );
    this.position = position;
    this.end = end;
  }
}

/**
 * A producer's write skipped sequence numbers: `receivedSeq` is above `expectedSeq`, the
 * next one of its epoch (0 for a producer the log does not know, or a new epoch). Nothing
 * was written; send the missing writes first, or start a new epoch.
 *
 * @example
 * ```ts
 * import { Log, ProducerSeqGapError } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const log = new Log();
 * const producer = { id: "p1", epoch: 0, seq: 3 };
 * const error = await log.write(new Uint8Array([1]), { producer }).catch((e) => e);
 * assert(error instanceof ProducerSeqGapError);
 * assert.equal(error.expectedSeq, 0);
 * assert.equal(error.receivedSeq, 3);
 * ```
 */
export class ProducerSeqGapError extends LogError {
  /** Always `"PRODUCER_SEQ_GAP"`. */
  readonly code = "PRODUCER_SEQ_GAP" as const;
  /** The sequence number the log expected next from this producer and epoch. */
  readonly expectedSeq: number;
  /** The sequence number the write carried. */
  readonly receivedSeq: number;

  /**
   * Creates the error for a write whose sequence number skips ahead.
   *
   * @param expectedSeq The next sequence number of the producer's epoch.
   * @param receivedSeq The sequence number the write carried.
   */
  constructor(expectedSeq: number, receivedSeq: number) {
    super(`Expected producer sequence number "${expectedSeq}", got "${receivedSeq}"`);
    this.expectedSeq = expectedSeq;
    this.receivedSeq = receivedSeq;
  }
}

/**
 * A producer's write carried an epoch below the producer's current one: a newer writer
 * with the same producer id has taken over, and this one is fenced off. Nothing was
 * written.
 *
 * @example
 * ```ts
 * import { Log, StaleEpochError } from "@edgelog/edgelog";
 * import assert from "node:assert/strict";
 *
 * const log = new Log();
 * await log.write(new Uint8Array([1]), { producer: { id: "p1", epoch: 2, seq: 0 } });
 * const old = { id: "p1", epoch: 1, seq: 0 };
 * const error = await log.write(new Uint8Array([2]), { producer: old }).catch((e) => e);
 * assert(error instanceof StaleEpochError);
 * assert.equal(error.currentEpoch, 2);
 * ```
 */
export class StaleEpochError extends LogError {
  /** Always `"STALE_EPOCH"`. */
  readonly code = "STALE_EPOCH" as const;
  /** The producer's current epoch, above the one the write carried. */
  readonly currentEpoch: number;
  /** The epoch the write carried. */
  readonly epoch: number;

  /**
   * Creates the error for a write from a fenced-off epoch.
   *
   * @param currentEpoch The producer's current epoch.
   * @param epoch The epoch the write carried.
   */
  constructor(currentEpoch: number, epoch: number) {
    super(`Producer epoch "${epoch}" is stale; the current epoch is "${currentEpoch}"`);
    this.currentEpoch = currentEpoch;
    this.epoch = epoch;
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
