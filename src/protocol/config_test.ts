// The configuration on the wire: PUT bodies and the mapping to the Log's options.
import assert from "node:assert/strict";
import { configOf, logOptionsOf, parseConfigBody } from "./config.ts";
import { MAX_RECORD_SIZE_LIMIT } from "./limits.ts";

const current = { maxSegmentSize: 10, maxRecordSize: 100 };
const body = (text: string) => new TextEncoder().encode(text);

Deno.test("`parseConfigBody()` changes the fields given and keeps the others", () => {
  assert.deepEqual(parseConfigBody(body("{}"), current), current);
  assert.deepEqual(parseConfigBody(body('{"maxSegmentSize":"Infinity"}'), current), {
    maxSegmentSize: null,
    maxRecordSize: 100,
  });
  assert.deepEqual(
    parseConfigBody(
      body(`{"maxSegmentSize":null,"maxRecordSize":${MAX_RECORD_SIZE_LIMIT}}`),
      current,
    ),
    { maxSegmentSize: null, maxRecordSize: MAX_RECORD_SIZE_LIMIT },
  );
});

Deno.test("`parseConfigBody()` throws TypeError or RangeError for what the server answers 400", () => {
  assert.throws(() => parseConfigBody(body("{"), current), TypeError);
  assert.throws(() => parseConfigBody(body("[]"), current), TypeError);
  assert.throws(() => parseConfigBody(body('{"x":1}'), current), RangeError);
  assert.throws(() => parseConfigBody(body('{"maxSegmentSize":0}'), current), RangeError);
  assert.throws(
    () => parseConfigBody(body(`{"maxRecordSize":${MAX_RECORD_SIZE_LIMIT + 1}}`), current),
    RangeError,
  );
});

Deno.test("`configOf()` and `logOptionsOf()` map null to Infinity and back", () => {
  assert.deepEqual(logOptionsOf({ maxSegmentSize: null, maxRecordSize: 8 }), {
    maxSegmentSize: Infinity,
    maxRecordSize: 8,
  });
  assert.deepEqual(configOf({ maxSegmentSize: Infinity, maxRecordSize: 8 }), {
    maxSegmentSize: null,
    maxRecordSize: 8,
  });
});
