/**
 * The WebSocket tails of a tail phase of `bench/load.mjs`, in a process of their own
 * (`child_process.fork`, advanced serialization), so that the 1000 clients' message handling
 * does not hold up the phase's writers in the load generator's event loop, and their CPU is
 * counted apart.
 *
 * Messages from the parent: `{ type: "open", wsBase, name, from, tails, deflate }` opens the
 * tails (answered `{ type: "open", extensions }` once all are open); `{ type: "stop", appended }`
 * closes them and answers `{ type: "done", delivered, frames, complete, histogram }`: the
 * deliveries and frames received, the tails that got exactly the `appended` records from `from`
 * in order, and the append-to-delivery latencies in {@linkcode LATENCY_BUCKETS}. Meanwhile it
 * sends `{ type: "progress", delivered, lastDelivery }` every 100 ms. Times are absolute
 * (`performance.timeOrigin + performance.now()`), as the writers stamp them in each record
 * (a float64 at byte 4), so that they compare across processes.
 *
 * @module
 */
import { openTail } from "../test/e2e/client.mjs";

/** Latency histogram: 0.1 ms buckets below 1 s, then 10 ms buckets up to 60 s. */
export const LATENCY_BUCKETS = 10_000 + 5_900;

/**
 * The bucket of a latency in ms.
 * @param {number} ms
 * @returns {number}
 */
export function latencyBucket(ms) {
  if (ms < 1_000) return Math.max(0, Math.floor(ms * 10));
  return Math.min(LATENCY_BUCKETS - 1, 10_000 + Math.floor((ms - 1_000) / 10));
}

/**
 * The latency (ms) a bucket stands for: its upper edge.
 * @param {number} bucket
 * @returns {number}
 */
export function bucketLatency(bucket) {
  return bucket < 10_000 ? (bucket + 1) / 10 : 1_000 + (bucket - 10_000 + 1) * 10;
}

/** The current time, comparable across processes (ms). */
export const now = () => performance.timeOrigin + performance.now();

/**
 * @param {{ wsBase: string, name: string, from: number, tails: number, deflate: boolean }} job
 */
async function run(job) {
  const { wsBase, name, from, tails, deflate } = job;
  const histogram = new Int32Array(LATENCY_BUCKETS);
  const counts = new Int32Array(tails);
  const broken = new Uint8Array(tails);
  let delivered = 0;
  let frames = 0;
  let lastDelivery = 0;
  /** @type {{ ws: import("ws").WebSocket, close(): void, closed: Promise<void> }[]} */
  const sockets = [];
  for (let i = 0; i < tails; i += 100) {
    const group = [];
    for (let j = i; j < Math.min(tails, i + 100); j++) {
      group.push(openTail(
        wsBase,
        name,
        from,
        (r) => {
          const t = now();
          if (r.offset !== from + (counts[j] ?? 0)) broken[j] = 1;
          counts[j] = (counts[j] ?? 0) + 1;
          if (r.data.byteLength >= 12) {
            const dv = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
            const bucket = latencyBucket(t - dv.getFloat64(4));
            histogram[bucket] = (histogram[bucket] ?? 0) + 1;
          }
          delivered++;
          lastDelivery = t;
        },
        undefined,
        { perMessageDeflate: deflate },
      ));
    }
    sockets.push(...(await Promise.all(group)));
  }
  for (const s of sockets) s.ws.on("message", () => frames++);
  const progress = setInterval(() => {
    process.send?.({ type: "progress", delivered, lastDelivery });
  }, 100);
  process.send?.({ type: "open", extensions: sockets[0]?.ws.extensions || "none" });
  const stop = await new Promise((resolve) => {
    process.on("message", (/** @type {any} */ message) => {
      if (message?.type === "stop") resolve(message);
    });
  });
  clearInterval(progress);
  for (const s of sockets) s.close();
  await Promise.race([
    Promise.all(sockets.map((s) => s.closed)),
    new Promise((ok) => setTimeout(ok, 5_000)),
  ]);
  let complete = 0;
  for (let j = 0; j < tails; j++) if (counts[j] === stop.appended && !broken[j]) complete++;
  process.send?.({ type: "done", delivered, frames, complete, lastDelivery, histogram }, () => {
    process.exit(0);
  });
}

// Forked (with an IPC channel): wait for the job. Imported by load.mjs: only the helpers.
if (process.send !== undefined) {
  process.once("message", (/** @type {any} */ message) => {
    if (message?.type === "open") void run(message);
  });
}
