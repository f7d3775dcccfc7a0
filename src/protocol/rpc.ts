/**
 * The LogObject's RPC surface (PROTOCOL.md, "RPC"): the options and answers of its methods,
 * the limits they share with HTTP, and how errors cross the RPC boundary. Workers RPC keeps
 * neither the class nor the fields of the core's errors, and a Durable Object reports every
 * exception its RPC methods throw as uncaught: so the methods answer an
 * {@linkcode RpcResult} (`{ value }` or `{ error }`), and the caller's side turns an error
 * back into the core's class with {@linkcode rpcValue}.
 *
 * @example A core error across RPC and back
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutureOffsetError } from "../../mod.ts";
 * import { rpcFailure, rpcValue } from "./rpc.ts";
 *
 * // What the object answers, and what the caller makes of it.
 * const answer = structuredClone(rpcFailure(new FutureOffsetError(7)));
 * assert.throws(
 *   () => rpcValue(answer),
 *   (error) => error instanceof FutureOffsetError && error.offset === 7,
 * );
 * assert.equal(rpcValue(structuredClone({ value: 3 })), 3);
 * ```
 *
 * @module
 */
import { LogError } from "../core/errors.ts";
import type { Producer } from "../core/producer.ts";
import { type ErrorFields, logErrorFields, logErrorFromFields } from "./errors.ts";
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from "./limits.ts";
import { batchBodySize, batchTooLargeMessage, tooManyBatchRecords } from "./wire.ts";

/** Options of the LogObject's RPC `append` and `appendBatch`. */
export interface RpcAppendOptions {
  /** The offset the (first) record must get: a lower one is taken (`ConflictError`). */
  expectedOffset?: number;
  /** Who writes, and which of its writes this is: a retry is stored once. */
  producer?: Producer;
}

/** The answer of the LogObject's RPC `append` and `appendBatch`. */
export interface RpcAppended {
  /**
   * The offset of the (first) record; for a producer's retry, the original one (-1 when
   * the log no longer keeps it).
   */
  offset: number;
  /** How many records the append held. */
  count: number;
  /** `true` when a producer's append had been stored before: this call wrote nothing. */
  duplicate: boolean;
}

/** Options of the LogObject's RPC `readBatch`. */
export interface RpcReadOptions {
  /** The most records to return: 1 to `MAX_READ_LIMIT` (1000); default 100. */
  limit?: number;
}

/**
 * Checks a batch given over RPC against the limits of a batch body over HTTP.
 *
 * @param records The records.
 * @throws {TypeError} When `records` is not an array of `Uint8Array`.
 * @throws {RangeError} When it holds more than `MAX_BATCH_RECORDS` records, or more than
 * `MAX_BATCH_BYTES` bytes counted as a batch body counts them.
 */
export function checkRpcBatch(records: unknown): asserts records is Uint8Array[] {
  if (!Array.isArray(records)) throw new TypeError("records must be an array of Uint8Array");
  for (const record of records) {
    if (!(record instanceof Uint8Array)) {
      throw new TypeError("records must be an array of Uint8Array");
    }
  }
  if (records.length > MAX_BATCH_RECORDS) {
    throw tooManyBatchRecords(MAX_BATCH_RECORDS, records.length);
  }
  const size = batchBodySize(records);
  if (size > MAX_BATCH_BYTES) throw new RangeError(batchTooLargeMessage(MAX_BATCH_BYTES, size));
}

/**
 * What an RPC method of the LogObject answers: its value, or the error it met. Errors are
 * answered, not thrown: a Durable Object reports every exception its RPC methods throw as an
 * uncaught exception, and a read at the end of a log is no fault of the object's.
 */
export type RpcResult<T> = { value: T; error?: undefined } | { error: RpcError };

/** An error in an {@linkcode RpcResult}. */
export interface RpcError {
  /** `"LogError"` for the core's errors (with `code` and `fields`), or the built-in class. */
  type: "LogError" | "RangeError" | "TypeError";
  /** The core error's code (`FUTURE_OFFSET`, ...), for a `LogError`. */
  code?: string;
  /** The message. */
  message: string;
  /** The core error's fields (`offset`, `position`, `size`, ...), for a `LogError`. */
  fields?: ErrorFields;
}

/**
 * The {@linkcode RpcResult} of an error an RPC method caught: the core's errors and
 * argument errors are answered; anything else is a fault, thrown on.
 *
 * @param error What the method caught.
 * @returns The answer.
 * @throws The error itself, when it is neither.
 */
export function rpcFailure(error: unknown): { error: RpcError } {
  if (error instanceof LogError) {
    return {
      error: {
        type: "LogError",
        code: error.code,
        message: error.message,
        fields: logErrorFields(error),
      },
    };
  }
  if (error instanceof RangeError || error instanceof TypeError) {
    return { error: { type: error.name as "RangeError" | "TypeError", message: error.message } };
  }
  throw error;
}

/**
 * The value of an {@linkcode RpcResult}, or its error thrown as the core's class
 * (`FutureOffsetError`, `ConflictError`, ...), `RangeError` or `TypeError`.
 *
 * @param result What the RPC method answered.
 * @returns The value.
 */
export function rpcValue<T>(result: RpcResult<T>): T {
  const { error } = result;
  if (error === undefined) return (result as { value: T }).value;
  if (error.type === "RangeError") throw new RangeError(error.message);
  if (error.type === "TypeError") throw new TypeError(error.message);
  const rebuilt = logErrorFromFields(error.code ?? "", error.fields ?? {});
  throw rebuilt ?? new Error(error.message);
}
