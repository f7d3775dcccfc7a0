// The retry policy of appends on its own: which failures are retried, the backoff, the
// defaults. src/client/producer_session_test.ts checks the retries through LogClient.
import assert from "node:assert/strict";
import { ClosedError, ConflictError } from "../../mod.ts";
import { HttpError } from "./http_error.ts";
import { backoff, DEFAULT_RETRY, isTransient, retryPolicy, withRetries } from "./retry.ts";

Deno.test("`isTransient()` retries no answer, 5xx, 408, 429 and a closed log, not a refusal", () => {
  const transient = [
    new HttpError("NETWORK", 0, "Reset"),
    new HttpError("INTERNAL", 500, "Failed"),
    new HttpError("UNEXPECTED_RESPONSE", 502, "Bad gateway"),
    new HttpError("UNEXPECTED_RESPONSE", 408, "Request timeout"),
    new HttpError("UNEXPECTED_RESPONSE", 429, "Slow down"),
    new ClosedError("remote log"),
  ];
  for (const error of transient) assert(isTransient(error), error.message);
  const refusals = [
    new HttpError("BAD_REQUEST", 400, "Bad"),
    new HttpError("FORBIDDEN", 403, "No"),
    new HttpError("UNEXPECTED_RESPONSE", 200, "Garbled"),
    new ConflictError(1, 2),
    new RangeError("Past the end"),
    new Error("A bug"),
  ];
  for (const error of refusals) assert(!isTransient(error), error.message);
});

Deno.test("`backoff()` doubles from minDelay up to maxDelay, half of it random", () => {
  const policy = { minDelay: 100, maxDelay: 1000 };
  const ceilings = [100, 200, 400, 800, 1000, 1000];
  for (const [i, ceiling] of ceilings.entries()) {
    for (let n = 0; n < 50; n++) {
      const delay = backoff(policy, i + 1);
      assert(delay >= ceiling / 2 && delay <= ceiling, `retry ${i + 1}: ${delay}`);
    }
  }
  assert.equal(backoff({ minDelay: 0, maxDelay: 0 }, 3), 0);
});

Deno.test("`retryPolicy()` fills in the defaults; `false` is no retries", () => {
  assert.deepEqual(retryPolicy(undefined), { ...DEFAULT_RETRY, onRetry: undefined });
  assert.equal(retryPolicy(false), undefined);
  const onRetry = () => {};
  assert.deepEqual(retryPolicy({ maxAttempts: 3, onRetry }), {
    ...DEFAULT_RETRY,
    maxAttempts: 3,
    onRetry,
  });
  assert.deepEqual(DEFAULT_RETRY, {
    maxAttempts: 20,
    attemptTimeout: 10_000,
    maxElapsed: 30_000,
    minDelay: 100,
    maxDelay: 2_000,
  });
});

Deno.test("`withRetries()` stops at a refusal, and at an error of onRetry", async () => {
  let calls = 0;
  const refusal = new ConflictError(0, 1);
  await assert.rejects(
    withRetries(retryPolicy({ minDelay: 1, maxDelay: 1 }), undefined, () => {
      calls++;
      return Promise.reject(refusal);
    }),
    (e) => e === refusal,
  );
  assert.equal(calls, 1);
  const stop = new Error("Stop retrying");
  const policy = retryPolicy({
    minDelay: 1,
    maxDelay: 1,
    onRetry: () => {
      throw stop;
    },
  });
  await assert.rejects(
    withRetries(policy, undefined, () => Promise.reject(new HttpError("NETWORK", 0, "Reset"))),
    (e) => e === stop,
  );
});

Deno.test("`withRetries()` without a policy makes one attempt, with the caller's signal", async () => {
  const signal = new AbortController().signal;
  let seen: AbortSignal | undefined;
  const failure = new HttpError("NETWORK", 0, "Reset");
  const attempt = (s: AbortSignal | undefined) => {
    seen = s;
    return Promise.reject(failure);
  };
  await assert.rejects(withRetries(undefined, signal, attempt), (e) => e === failure);
  assert.equal(seen, signal);
});
