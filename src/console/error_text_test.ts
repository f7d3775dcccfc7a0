// The console's error lines: the protocol's code, the status that goes with it, the message.
import assert from "node:assert/strict";
import { ConflictError, FutureOffsetError, OutOfRangeError } from "../../mod.ts";
import { HttpError } from "../client/http_error.ts";
import { errorText } from "./error_text.ts";

Deno.test("`errorText()` names the code, the status and the message of the protocol's errors", () => {
  assert.equal(
    errorText(new HttpError("UNAUTHORIZED", 401, "Missing bearer token")),
    "UNAUTHORIZED (401): Missing bearer token",
  );
  assert.equal(
    errorText(new HttpError("NETWORK", 0, 'Cannot reach "http://127.0.0.1:1"')),
    'NETWORK: Cannot reach "http://127.0.0.1:1"',
  );
  const gone = new OutOfRangeError(3);
  assert.equal(errorText(gone), `OUT_OF_RANGE (410): ${gone.message}`);
  const future = new FutureOffsetError(9);
  assert.equal(errorText(future), `FUTURE_OFFSET (404): ${future.message}`);
  assert.match(errorText(new ConflictError(0, 1)), /^CONFLICT \(409\): /);
  assert.equal(errorText(new RangeError("Expected an offset")), "Expected an offset");
  assert.equal(errorText("plain"), "plain");
});
