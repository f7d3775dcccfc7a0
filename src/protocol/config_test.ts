// The configuration on the wire: PUT bodies and the mapping to the Log's options.
import assert from "node:assert/strict";
import { configOf, logOptionsOf, parseConfigBody } from "./config.ts";
import { MAX_RECORD_SIZE_LIMIT } from "./limits.ts";

const current = { maxSegmentSize: 10, maxRecordSize: 100, maxAge: null };
const body = (text: string) => new TextEncoder().encode(text);

Deno.test("`parseConfigBody()` changes the fields given and keeps the others", () => {
  assert.deepEqual(parseConfigBody(body("{}"), current), current);
  assert.deepEqual(parseConfigBody(body('{"maxSegmentSize":"Infinity"}'), current), {
    maxSegmentSize: null,
    maxRecordSize: 100,
    maxAge: null,
  });
  assert.deepEqual(
    parseConfigBody(
      body(`{"maxSegmentSize":null,"maxRecordSize":${MAX_RECORD_SIZE_LIMIT},"maxAge":60000}`),
      current,
    ),
    { maxSegmentSize: null, maxRecordSize: MAX_RECORD_SIZE_LIMIT, maxAge: 60_000 },
  );
  assert.deepEqual(
    parseConfigBody(body('{"maxAge":null}'), { ...current, maxAge: 5 }),
    current,
  );
});

Deno.test("`parseConfigBody()` throws TypeError or RangeError for what the server answers 400", () => {
  assert.throws(() => parseConfigBody(body("{"), current), TypeError);
  assert.throws(() => parseConfigBody(body("[]"), current), TypeError);
  assert.throws(() => parseConfigBody(body('{"x":1}'), current), RangeError);
  assert.throws(() => parseConfigBody(body('{"maxSegmentSize":0}'), current), RangeError);
  for (const maxAge of ["0", "-1", "1.5", '"60000"', '"Infinity"', "9007199254740992"]) {
    assert.throws(() => parseConfigBody(body(`{"maxAge":${maxAge}}`), current), RangeError);
  }
  assert.throws(
    () => parseConfigBody(body(`{"maxRecordSize":${MAX_RECORD_SIZE_LIMIT + 1}}`), current),
    RangeError,
  );
});

Deno.test("`configOf()` and `logOptionsOf()` map null to Infinity and back", () => {
  assert.deepEqual(logOptionsOf({ maxSegmentSize: null, maxRecordSize: 8, maxAge: null }), {
    maxSegmentSize: Infinity,
    maxRecordSize: 8,
    maxAge: Infinity,
  });
  assert.deepEqual(configOf({ maxSegmentSize: Infinity, maxRecordSize: 8, maxAge: Infinity }), {
    maxSegmentSize: null,
    maxRecordSize: 8,
    maxAge: null,
  });
  assert.deepEqual(
    logOptionsOf({ maxSegmentSize: 3, maxRecordSize: 8, maxAge: 1000 }).maxAge,
    1000,
  );
  assert.deepEqual(configOf({ maxSegmentSize: 3, maxRecordSize: 8, maxAge: 1000 }).maxAge, 1000);
});
