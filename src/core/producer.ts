/**
 * Idempotent producers: a writer names itself `(id, epoch, seq)` so that a retried write is
 * stored once, a write that skips ahead is refused, and an older writer with the same id is
 * fenced off. The rules are those of the Durable Streams protocol's idempotent producers.
 *
 * @module
 */
import { ProducerSeqGapError, StaleEpochError } from "./errors.ts";
import { assertPosition, describe } from "./validate.ts";

/**
 * Who writes, and which of its writes this is. A producer's writes to one log are numbered
 * per epoch: `seq` 0, 1, 2... A write (or a whole batch) is one `seq`.
 *
 * - The next `seq` (the last one + 1; 0 for an unknown producer or a new epoch) is written.
 * - A `seq` already written (a retry) writes nothing and resolves the original offsets.
 * - A higher `seq` is a gap: `ProducerSeqGapError`.
 * - An `epoch` below the producer's current one is fenced off: `StaleEpochError`. A higher
 *   epoch takes over the id and must start at `seq` 0.
 */
export interface Producer {
  /** The writer's own name: 1 to 256 characters, no control characters. */
  id: string;
  /** The writer's session: a non-negative safe integer, raised on each restart. */
  epoch: number;
  /** The write's number within the epoch: a non-negative safe integer. */
  seq: number;
}

/** What a log keeps of a producer: its last write, and when it was last used. */
export interface ProducerState {
  /** The producer's id. */
  id: string;
  /** Its current epoch. */
  epoch: number;
  /** The last `seq` written in that epoch. */
  seq: number;
  /** The offset of the first record of that write. */
  offset: number;
  /** How many records that write held. */
  count: number;
  /** When the producer last wrote, in milliseconds since the Unix epoch (a retry leaves it). */
  lastUsed: number;
}

/** The producers a commit stores, and how the driver prunes old ones in the same unit. */
export interface ProducerCommit {
  /** The states to store, each replacing the one of its id. */
  states: readonly ProducerState[];
  /** Whether a state is for a producer the log did not know: then old ones are pruned. */
  added: boolean;
  /** Producers last used before this time (ms) are removed when a new producer is stored. */
  expireBefore: number;
  /** The most producers kept: when a new one is stored, the least recently used go first. */
  maxCount: number;
}

/**
 * The result of a write with a producer: where its records are, and whether it was a retry
 * of a write already stored (then nothing was written).
 */
export interface Appended {
  /**
   * The offset of the first record. For a retry of an older write than the producer's
   * last one, -1: the log keeps the offsets of each producer's last write only.
   */
  offset: number;
  /** How many records the write held (0 with an offset of -1). */
  count: number;
  /** `true` when the write had been stored before: this call wrote nothing. */
  duplicate: boolean;
}

/** The longest producer id, in UTF-16 code units. */
export const MAX_PRODUCER_ID_LENGTH = 256;
/** How long a log keeps an unused producer by default: 7 days, in milliseconds. */
export const DEFAULT_PRODUCER_TTL = 7 * 24 * 60 * 60 * 1000;
/** How many producers a log keeps by default; the least recently used go first. */
export const DEFAULT_MAX_PRODUCERS = 10_000;

/** The last id found valid: a producer that writes again is not scanned again. */
let validId = "";

/**
 * Checks that `producer` is a valid {@linkcode Producer}.
 *
 * @param producer The value to check.
 * @throws {TypeError} When it is no object, or a field has the wrong type.
 * @throws {RangeError} When the id is empty, too long or holds control characters, or the
 * epoch or seq is negative or not a safe integer.
 */
export function assertProducer(producer: unknown): asserts producer is Producer {
  if (typeof producer !== "object" || producer === null) {
    throw new TypeError(`Expected producer to be an object, got ${describe(producer)}`);
  }
  const { id, epoch, seq } = producer as Record<string, unknown>;
  if (typeof id !== "string") {
    throw new TypeError(`Expected producer.id to be a string, got ${describe(id)}`);
  }
  if (id.length === 0 || id.length > MAX_PRODUCER_ID_LENGTH) {
    throw new RangeError(
      `Expected producer.id to hold 1 to ${MAX_PRODUCER_ID_LENGTH} characters, got ${id.length}`,
    );
  }
  if (id !== validId) {
    for (let i = 0; i < id.length; i++) {
      const code = id.charCodeAt(i);
      if (code < 0x20 || code === 0x7f) {
        throw new RangeError("Expected producer.id to hold no control characters");
      }
    }
    validId = id;
  }
  assertPosition("producer.epoch", epoch);
  assertPosition("producer.seq", seq);
}

/**
 * Decides a producer's write against the state the log keeps of it.
 *
 * @param state The producer's state, or `undefined` for a producer the log does not know
 * (never seen, or expired).
 * @param producer The write's producer.
 * @returns `"write"` when the write is the producer's next one, or the state of the write it
 * repeats when it is a retry.
 * @throws {StaleEpochError} When the epoch is below the current one.
 * @throws {ProducerSeqGapError} When the seq skips ahead, or a new epoch does not start at 0.
 *
 * @example
 * ```ts
 * import { decideProducerWrite } from "./producer.ts";
 * import assert from "node:assert/strict";
 *
 * const state = { id: "p", epoch: 0, seq: 4, offset: 10, count: 2, lastUsed: 0 };
 * assert.equal(decideProducerWrite(state, { id: "p", epoch: 0, seq: 5 }), "write");
 * assert.equal(decideProducerWrite(state, { id: "p", epoch: 0, seq: 4 }), state);
 * assert.equal(decideProducerWrite(undefined, { id: "p", epoch: 3, seq: 0 }), "write");
 * ```
 */
export function decideProducerWrite(
  state: ProducerState | undefined,
  producer: Producer,
): "write" | ProducerState {
  const { epoch, seq } = producer;
  if (state === undefined || epoch > state.epoch) {
    if (seq !== 0) throw new ProducerSeqGapError(0, seq);
    return "write";
  }
  if (epoch < state.epoch) throw new StaleEpochError(state.epoch, epoch);
  if (seq <= state.seq) return state;
  if (seq === state.seq + 1) return "write";
  throw new ProducerSeqGapError(state.seq + 1, seq);
}

/**
 * The answer to a retry of `producer`'s write, given the state of its last write.
 *
 * @param state The producer's state.
 * @param producer The retried write's producer (same epoch, `seq` at most the state's).
 * @returns The original offsets for a retry of the last write; -1 and 0 for an older one.
 */
export function duplicateOf(state: ProducerState, producer: Producer): Appended {
  return producer.seq === state.seq
    ? { offset: state.offset, count: state.count, duplicate: true }
    : { offset: -1, count: 0, duplicate: true };
}
