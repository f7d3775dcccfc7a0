// Stream write-to-delivery latency: from just before `log.write` to the moment a parked
// `stream.next()` resolves with that record, timed with performance.now().
//
//   deno run -A bench/stream_latency.ts [writes]
//
// Three scenarios per driver (in-memory, SQLite file):
// - spaced: one write per event-loop turn, the reader parked before each write, and the
//   next write only after delivery;
// - burst: bursts of 100 writes issued back to back (not awaited one by one), each
//   record's latency counted from its own write call; a burst is delivered before the next;
// - baseline: the same spaced handshake over a bare promise instead of a Log, the floor of
//   any promise-based wake-up in this runtime on this run.
import { DatabaseSync } from "node:sqlite";
import { setImmediate } from "node:timers";
import { Log, nodeSqlite, SqliteStore } from "../mod.ts";
import { BATCH_SIZE, payload, SEGMENT_SIZE } from "./fixtures.ts";

const WRITES = Number(Deno.args[0] ?? 10_000);
const WARMUP = 500;
const data = payload();

/** Resolves in the next turn of the event loop, so that parked readers really park. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Summary {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

function summarize(samples: number[]): Summary {
  const sorted = samples.toSorted((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]!, mean };
}

/** Spaced writes: each write finds the reader parked and waits for its delivery. */
async function spaced(log: Log, writes: number): Promise<number[]> {
  const controller = new AbortController();
  const { latest } = await log.range();
  const stream = log.stream(latest + 1, { signal: controller.signal });
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + writes; i++) {
    const delivery = stream.next();
    await nextTurn();
    const start = performance.now();
    void log.write(data);
    await delivery;
    if (i >= WARMUP) samples.push(performance.now() - start);
  }
  controller.abort();
  return samples;
}

/** Bursts of BATCH_SIZE writes: each record's latency from its own write call. */
async function burst(log: Log, writes: number): Promise<number[]> {
  const controller = new AbortController();
  const { latest } = await log.range();
  const first = latest + 1;
  const stream = log.stream(first, { signal: controller.signal });
  const total = WARMUP + writes;
  const written = new Float64Array(total);
  const samples: number[] = [];
  let delivered = 0;
  let burstDone = Promise.withResolvers<void>();
  let burstEnd = 0;
  const reader = (async () => {
    for await (const record of stream) {
      const at = performance.now();
      const index = record.offset - first;
      if (index >= WARMUP) samples.push(at - written[index]!);
      if (++delivered === burstEnd) burstDone.resolve();
      if (delivered === total) return;
    }
  })();
  for (let i = 0; i < total; i += BATCH_SIZE) {
    burstEnd = Math.min(total, i + BATCH_SIZE);
    burstDone = Promise.withResolvers<void>();
    await nextTurn();
    for (let j = i; j < burstEnd; j++) {
      written[j] = performance.now();
      void log.write(data);
    }
    // The burst is delivered before the next one starts.
    await burstDone.promise;
  }
  await reader;
  controller.abort();
  return samples;
}

/** The spaced handshake over a bare promise: a write that only resolves a waiter. */
async function baseline(writes: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + writes; i++) {
    const { promise, resolve } = Promise.withResolvers<Uint8Array>();
    await nextTurn();
    const start = performance.now();
    resolve(data.slice());
    await promise;
    if (i >= WARMUP) samples.push(performance.now() - start);
  }
  return samples;
}

const rows: Array<[string, Summary]> = [];
function report(name: string, samples: number[]): void {
  const summary = summarize(samples);
  rows.push([name, summary]);
  const ms = (x: number) => x.toFixed(4).padStart(9);
  console.log(
    `${name.padEnd(44)} p50 ${ms(summary.p50)} ms  p99 ${ms(summary.p99)} ms  max ${
      ms(summary.max)
    } ms  mean ${ms(summary.mean)} ms`,
  );
}

console.log(`Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs`);
console.log(`${WRITES} writes of ${data.byteLength} B per scenario, segment size ${SEGMENT_SIZE}`);
report("baseline: promise handoff (spaced)", await baseline(WRITES));
report(
  "memory: stream delivery (spaced)",
  await spaced(new Log({ maxSegmentSize: SEGMENT_SIZE }), WRITES),
);
report(
  `memory: stream delivery (bursts of ${BATCH_SIZE})`,
  await burst(new Log({ maxSegmentSize: SEGMENT_SIZE }), WRITES),
);

const dir = await Deno.makeTempDir({ prefix: "edgelog_latency_" });
try {
  const store = new SqliteStore(nodeSqlite(new DatabaseSync(`${dir}/latency.db`)));
  const open = (name: string) =>
    new Log({ maxSegmentSize: SEGMENT_SIZE, journal: store.open(name) });
  report("SQLite file: stream delivery (spaced)", await spaced(open("spaced"), WRITES));
  report(
    `SQLite file: stream delivery (bursts of ${BATCH_SIZE})`,
    await burst(open("burst"), WRITES),
  );
  store.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
