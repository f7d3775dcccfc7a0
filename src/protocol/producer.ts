/**
 * A producer on the wire (PROTOCOL.md, Exactly once): the three request headers of an
 * append that names its producer, written by clients and read by the server, and the
 * headers of the answers. The names and rules are those of the Durable Streams protocol's
 * idempotent producers.
 *
 * @module
 */
import { assertProducer, type Producer } from "../core/producer.ts";
import type { ProducerSeqGapError, StaleEpochError } from "../core/errors.ts";
import {
  DUPLICATE_HEADER,
  PRODUCER_EPOCH_HEADER,
  PRODUCER_EXPECTED_SEQ_HEADER,
  PRODUCER_ID_HEADER,
  PRODUCER_RECEIVED_SEQ_HEADER,
  PRODUCER_SEQ_HEADER,
} from "./headers.ts";
import { parseDecimal } from "./limits.ts";

/**
 * The request headers that name `producer`.
 *
 * @param producer The producer of an append.
 * @returns `Producer-Id`, `Producer-Epoch` and `Producer-Seq`.
 *
 * @example
 * ```ts
 * import { producerHeaders } from "./producer.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(producerHeaders({ id: "etl", epoch: 2, seq: 7 }), {
 *   "Producer-Id": "etl",
 *   "Producer-Epoch": "2",
 *   "Producer-Seq": "7",
 * });
 * ```
 */
export function producerHeaders(producer: Producer): Record<string, string> {
  return {
    [PRODUCER_ID_HEADER]: producer.id,
    [PRODUCER_EPOCH_HEADER]: String(producer.epoch),
    [PRODUCER_SEQ_HEADER]: String(producer.seq),
  };
}

/**
 * The producer an append's headers name: all three producer headers, or none.
 *
 * @param headers The request's headers.
 * @returns The producer, or `undefined` when the request names none.
 * @throws {RangeError} When only some of the headers are given, the id is empty or too
 * long, or the epoch or seq is not a decimal safe integer (the server answers 400).
 *
 * @example
 * ```ts
 * import { readProducerHeaders } from "./producer.ts";
 * import assert from "node:assert/strict";
 *
 * const headers = new Headers({ "producer-id": "etl", "producer-epoch": "0", "producer-seq": "4" });
 * assert.deepEqual(readProducerHeaders(headers), { id: "etl", epoch: 0, seq: 4 });
 * assert.equal(readProducerHeaders(new Headers()), undefined);
 * assert.throws(() => readProducerHeaders(new Headers({ "producer-id": "etl" })), RangeError);
 * ```
 */
export function readProducerHeaders(headers: Headers): Producer | undefined {
  const id = headers.get(PRODUCER_ID_HEADER);
  const epoch = headers.get(PRODUCER_EPOCH_HEADER);
  const seq = headers.get(PRODUCER_SEQ_HEADER);
  if (id === null && epoch === null && seq === null) return undefined;
  if (id === null || epoch === null || seq === null) {
    throw new RangeError(
      `Give all three of ${PRODUCER_ID_HEADER}, ${PRODUCER_EPOCH_HEADER} and ${PRODUCER_SEQ_HEADER}, or none`,
    );
  }
  const producer = {
    id,
    epoch: parseDecimal(PRODUCER_EPOCH_HEADER, epoch),
    seq: parseDecimal(PRODUCER_SEQ_HEADER, seq),
  };
  assertProducer(producer);
  return producer;
}

/**
 * The headers of a successful answer to a producer's append: the epoch and seq echoed, and
 * `Edgelog-Duplicate: true` when it was a retry that wrote nothing.
 *
 * @param producer The append's producer.
 * @param duplicate Whether the append was a retry.
 * @returns The headers.
 *
 * @example
 * ```ts
 * import { producerAnswerHeaders } from "./producer.ts";
 * import assert from "node:assert/strict";
 *
 * const headers = producerAnswerHeaders({ id: "etl", epoch: 0, seq: 4 }, true);
 * assert.equal(headers["Edgelog-Duplicate"], "true");
 * ```
 */
export function producerAnswerHeaders(
  producer: Producer,
  duplicate: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {
    [PRODUCER_EPOCH_HEADER]: String(producer.epoch),
    [PRODUCER_SEQ_HEADER]: String(producer.seq),
  };
  if (duplicate) headers[DUPLICATE_HEADER] = "true";
  return headers;
}

/**
 * The headers of a refused producer's append, beside its error body: the expected and the
 * received seq of a gap, the current epoch of a stale one.
 *
 * @param error The core's error.
 * @returns The headers.
 *
 * @example
 * ```ts
 * import { ProducerSeqGapError } from "@edgelog/edgelog";
 * import { producerErrorHeaders } from "./producer.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(producerErrorHeaders(new ProducerSeqGapError(3, 5)), {
 *   "Producer-Expected-Seq": "3",
 *   "Producer-Received-Seq": "5",
 * });
 * ```
 */
export function producerErrorHeaders(
  error: ProducerSeqGapError | StaleEpochError,
): Record<string, string> {
  return error.code === "STALE_EPOCH" ? { [PRODUCER_EPOCH_HEADER]: String(error.currentEpoch) } : {
    [PRODUCER_EXPECTED_SEQ_HEADER]: String(error.expectedSeq),
    [PRODUCER_RECEIVED_SEQ_HEADER]: String(error.receivedSeq),
  };
}

/**
 * Whether an answer was a producer's retry that wrote nothing.
 *
 * @param headers The answer's headers.
 * @returns `true` when `Edgelog-Duplicate: true` is set.
 */
export function isDuplicateAnswer(headers: Headers): boolean {
  return headers.get(DUPLICATE_HEADER) === "true";
}
