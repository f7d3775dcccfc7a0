// The error bodies of the protocol: each core error class survives the wire with its fields,
// and the status table covers every code.
import assert from "node:assert/strict";
import {
  ClosedError,
  ConflictError,
  FutureOffsetError,
  type LogError,
  NotFoundError,
  OutOfRangeError,
  ProducerSeqGapError,
  RecordTooLargeError,
  StaleEpochError,
} from "../core/errors.ts";
import {
  encodeErrorBody,
  isLogErrorCode,
  isServerErrorCode,
  logErrorFields,
  logErrorFromFields,
  readErrorBody,
  SERVER_ERROR_STATUS,
  STATUS_BY_CODE,
} from "./errors.ts";

const CORE_ERRORS: LogError[] = [
  new RecordTooLargeError(9, 8),
  new FutureOffsetError(7),
  new OutOfRangeError(3),
  new NotFoundError(12),
  new ConflictError(1, 5),
  new ProducerSeqGapError(3, 5),
  new StaleEpochError(4, 2),
  new ClosedError("remote log"),
];

Deno.test("`logErrorFields()` and `logErrorFromFields()` carry every core error across a body", () => {
  for (const error of CORE_ERRORS) {
    const body = readErrorBody(
      JSON.parse(encodeErrorBody(error.code, error.message, logErrorFields(error))),
    );
    assert(body !== undefined);
    const rebuilt = logErrorFromFields(body.code, body.fields);
    assert(rebuilt instanceof error.constructor, error.code);
    assert.deepEqual({ ...rebuilt }, { ...error }, error.code);
  }
});

Deno.test("`logErrorFields()` writes the fields PROTOCOL.md lists, in its order", () => {
  assert.equal(
    encodeErrorBody("RECORD_TOO_LARGE", "m", logErrorFields(new RecordTooLargeError(9, 8))),
    '{"error":{"code":"RECORD_TOO_LARGE","message":"m","size":9,"limit":8}}',
  );
  assert.deepEqual(logErrorFields(new ConflictError(4, 6)), { position: 4, end: 6 });
  assert.equal(
    encodeErrorBody("PRODUCER_SEQ_GAP", "m", logErrorFields(new ProducerSeqGapError(3, 5))),
    '{"error":{"code":"PRODUCER_SEQ_GAP","message":"m","expectedSeq":3,"receivedSeq":5}}',
  );
  assert.equal(
    encodeErrorBody("STALE_EPOCH", "m", logErrorFields(new StaleEpochError(4, 2))),
    '{"error":{"code":"STALE_EPOCH","message":"m","currentEpoch":4,"epoch":2}}',
  );
  assert.deepEqual(logErrorFields(new ClosedError()), {});
});

Deno.test("`logErrorFromFields()` needs the fields of the class, and a core code", () => {
  assert.equal(logErrorFromFields("FUTURE_OFFSET", {}), undefined);
  assert.equal(logErrorFromFields("RECORD_TOO_LARGE", { size: 1 }), undefined);
  assert.equal(logErrorFromFields("FORBIDDEN", { offset: 1 }), undefined);
  const conflict = logErrorFromFields("CONFLICT", { position: 1, end: 2 });
  assert(conflict instanceof ConflictError);
  assert.match(conflict.message, /"2"/);
});

Deno.test("`readErrorBody()` refuses bodies without a code or message, keeps integer fields", () => {
  assert.equal(readErrorBody(undefined), undefined);
  assert.equal(readErrorBody({ error: { code: "X" } }), undefined);
  assert.equal(readErrorBody({ error: { code: "X", message: "" } }), undefined);
  assert.equal(readErrorBody({ error: [] }), undefined);
  assert.deepEqual(
    readErrorBody({ error: { code: "X", message: "m", offset: 1.5, end: 2, other: 3 } }),
    { code: "X", message: "m", fields: { end: 2 } },
  );
});

Deno.test("`STATUS_BY_CODE` has every core and HTTP-layer code, and the predicates agree", () => {
  for (const error of CORE_ERRORS) {
    assert(isLogErrorCode(error.code));
    assert.equal(typeof STATUS_BY_CODE[error.code], "number", error.code);
  }
  for (const [code, status] of Object.entries(SERVER_ERROR_STATUS)) {
    assert(isServerErrorCode(code));
    assert(!isLogErrorCode(code));
    assert.equal(STATUS_BY_CODE[code], status);
  }
  assert.equal(Object.keys(STATUS_BY_CODE).length, CORE_ERRORS.length + 15);
  assert.deepEqual(
    [STATUS_BY_CODE.CONFLICT, STATUS_BY_CODE.FUTURE_OFFSET, STATUS_BY_CODE.OUT_OF_RANGE],
    [409, 404, 410],
  );
  assert.deepEqual([STATUS_BY_CODE.PRODUCER_SEQ_GAP, STATUS_BY_CODE.STALE_EPOCH], [409, 403]);
});
