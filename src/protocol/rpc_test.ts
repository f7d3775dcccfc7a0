import assert from "node:assert/strict";
import {
  ConflictError,
  OutOfRangeError,
  ProducerSeqGapError,
  RecordTooLargeError,
  StaleEpochError,
} from "../core/errors.ts";
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from "./limits.ts";
import { checkRpcBatch, rpcFailure, rpcValue } from "./rpc.ts";
import { batchBodySize, encodeBatch } from "./wire.ts";

/** What the caller gets: the answer after structured cloning, as RPC carries it. */
function acrossRpc(error: unknown): unknown {
  const answer = structuredClone(rpcFailure(error));
  try {
    rpcValue(answer);
  } catch (rebuilt) {
    return rebuilt;
  }
  throw new Error("rpcValue did not throw");
}

Deno.test("every core error crosses RPC as its class with its fields and message", () => {
  const errors = [
    new ConflictError(3, 5),
    new OutOfRangeError(-1),
    new RecordTooLargeError(9, 8),
    new ProducerSeqGapError(2, 5),
    new StaleEpochError(4, 1),
  ];
  for (const error of errors) {
    const rebuilt = acrossRpc(error);
    assert.equal(Object.getPrototypeOf(rebuilt), Object.getPrototypeOf(error));
    assert.deepEqual({ ...(rebuilt as object) }, { ...error });
    assert.equal((rebuilt as Error).message, error.message);
  }
});

Deno.test("RangeError and TypeError cross as themselves; any other error is thrown on", () => {
  const range = acrossRpc(new RangeError("Out"));
  assert(range instanceof RangeError);
  assert.equal(range.message, "Out");
  assert(acrossRpc(new TypeError("Bad")) instanceof TypeError);
  const fault = new Error("A bug");
  assert.throws(() => rpcFailure(fault), (e) => e === fault);
  assert.equal(rpcValue({ value: [1, 2] }).length, 2);
});

Deno.test("checkRpcBatch: the limits of a batch body, counted as the body counts them", () => {
  checkRpcBatch([new Uint8Array(1)]);
  checkRpcBatch([]);
  assert.throws(() => checkRpcBatch("x"), TypeError);
  assert.throws(() => checkRpcBatch([new Uint8Array(1), "x"]), TypeError);
  const tooMany = Array.from({ length: MAX_BATCH_RECORDS + 1 }, () => new Uint8Array(1));
  assert.throws(() => checkRpcBatch(tooMany), /at most "1000" records, got "1001"/);
  // Exactly the limit with the 4-byte prefix passes; one byte more does not.
  checkRpcBatch([new Uint8Array(MAX_BATCH_BYTES - 4)]);
  assert.throws(() => checkRpcBatch([new Uint8Array(MAX_BATCH_BYTES - 3)]), RangeError);
});

Deno.test("batchBodySize is the size of the encoded body", () => {
  const records = [new Uint8Array(3), new Uint8Array(0), new Uint8Array(10)];
  assert.equal(batchBodySize(records), encodeBatch(records).byteLength);
});
