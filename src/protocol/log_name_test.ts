// Log names and the split of a path into name and route (PROTOCOL.md, Log names).
import assert from "node:assert/strict";
import {
  assertLogName,
  isNamePrefix,
  isNameSegment,
  logPathOf,
  logRoute,
  MAX_LOG_NAME_LENGTH,
  splitLogPath,
} from "./log_name.ts";

Deno.test("`splitLogPath()` splits at the first route word and drops a trailing slash", () => {
  assert.deepEqual(splitLogPath("a/b.c/records/5"), { name: "a/b.c", route: "/records/5" });
  assert.deepEqual(splitLogPath("a/b/"), { name: "a/b", route: "/" });
  assert.deepEqual(splitLogPath("a/tail"), { name: "a", route: "/tail" });
  for (const rest of ["", "/a", "a//b", "a/./b", "a/../b", "a%2fb", "records", "a b"]) {
    assert.throws(() => splitLogPath(rest), RangeError, rest);
  }
});

Deno.test("`logRoute()` and `logPathOf()` split only paths under /logs/", () => {
  assert.equal(logRoute("/logs/acme/orders/records/5"), "/records/5");
  assert.equal(logRoute("/logs/acme/orders"), "/");
  assert.equal(logRoute("/healthz"), "/healthz");
  assert.equal(logPathOf("/healthz"), undefined);
  assert.deepEqual(logPathOf("/logs/a/bounds"), { name: "a", route: "/bounds" });
});

Deno.test("`assertLogName()` takes 1 to 200 characters of the alphabet", () => {
  assertLogName("A-z_0.9~/x");
  assertLogName("a".repeat(MAX_LOG_NAME_LENGTH));
  assert.throws(() => assertLogName("a".repeat(MAX_LOG_NAME_LENGTH + 1)), RangeError);
  assert.throws(() => assertLogName(5), TypeError);
});

Deno.test("`isNameSegment()` and `isNamePrefix()` use the alphabet of names", () => {
  assert(isNameSegment("acme-1.x~_"));
  for (const s of ["", ".", "..", "a/b", "a b", "a\\b", "é"]) assert(!isNameSegment(s), s);
  assert(isNamePrefix("acme/orders-"));
  assert(!isNamePrefix("acme/a b"));
  assert(!isNamePrefix("a".repeat(MAX_LOG_NAME_LENGTH + 1)));
});
