// The live view's rate window: counts per bucket over a window that slides with time.
import assert from "node:assert/strict";
import { RateWindow } from "./rate.ts";

Deno.test("`RateWindow` counts records per bucket, oldest first, the last bucket holding now", () => {
  const rate = new RateWindow({ bucketMs: 1000, buckets: 4 });
  for (const t of [10_000, 10_999, 11_000, 13_500, 13_999]) rate.add(t);
  assert.deepEqual(rate.counts(13_000), [2, 1, 0, 2]);
  // A second later the oldest bucket has left the window.
  assert.deepEqual(rate.counts(14_000), [1, 0, 2, 0]);
  assert.deepEqual(rate.counts(60_000), [0, 0, 0, 0]);
});

Deno.test("`RateWindow` keeps its memory bounded and still counts the recent buckets", () => {
  const rate = new RateWindow({ bucketMs: 10, buckets: 3 });
  for (let t = 0; t < 10_000; t += 5) rate.add(t);
  assert.deepEqual(rate.counts(9_999), [2, 2, 2]);
});

Deno.test("`RateWindow` refuses widths and counts that are no positive integers", () => {
  assert.throws(() => new RateWindow({ bucketMs: 0 }), RangeError);
  assert.throws(() => new RateWindow({ buckets: 1.5 }), RangeError);
});
