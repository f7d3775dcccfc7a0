// The memory a Log over the in-memory driver holds per record: heap + external bytes (the
// ArrayBuffers) after a full GC, for 1,000,000 records of 32 bytes, none dropped by
// retention, minus the same figures before the first write. The payload itself is 32 bytes
// of that. Run with the GC exposed:
//   deno run --v8-flags=--expose-gc bench/memory_per_record.ts [path/to/mod.ts]
// The optional path measures another checkout (e.g. main's mod.ts) in the same way.
import { payload, PAYLOAD_SIZE } from "./fixtures.ts";

const RECORDS = 1_000_000;
const entry = Deno.args[0] ?? new URL("../mod.ts", import.meta.url).href;
const { Log } = await import(entry.startsWith("/") ? `file://${entry}` : entry);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("Run with --v8-flags=--expose-gc");

function used(): { heap: number; external: number } {
  for (let i = 0; i < 3; i++) gc!();
  const { heapUsed, external } = Deno.memoryUsage();
  return { heap: heapUsed, external };
}

const data = payload();
const before = used();
const log = new Log({ maxSegmentSize: Infinity });
// write() resolves at once over the in-memory driver: awaiting each is the portable way,
// and works on checkouts without writeSync.
for (let i = 0; i < RECORDS; i++) await log.write(data);
const after = used();
const heap = (after.heap - before.heap) / RECORDS;
const external = (after.external - before.external) / RECORDS;
const { earliest, latest } = await log.range();
console.log(`${entry}: ${latest - earliest + 1} records of ${PAYLOAD_SIZE} B`);
console.log(
  `heap ${heap.toFixed(1)} B + external ${external.toFixed(1)} B = ${
    (heap + external).toFixed(1)
  } B per record; beyond the payload: ${(heap + external - PAYLOAD_SIZE).toFixed(1)} B`,
);
