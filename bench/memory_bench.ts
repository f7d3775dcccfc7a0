// The in-memory Log and MemoryJournal, each group beside same-run baselines of plain
// JavaScript, so that `deno bench` prints ratios that still mean something on a noisy,
// shared machine. 32-byte payloads, segment size 1000. The groups of the synchronous core
// (Log.writeSync, Log.readSync, Log.readBatchSync) are the figures compared with memlog's
// Write, Read and ReadBatch, run interleaved with it (BENCHMARKS.md gives the command).
import { Log, type LogRecord, MemoryJournal } from "../mod.ts";
import { BATCH_SIZE, payload, payloads, SEGMENT_SIZE } from "./fixtures.ts";

const data = payload();
/** What the read baselines read: as many distinct payloads as a full log holds. */
const stored = payloads(2 * SEGMENT_SIZE);
/** What the write baselines push to; kept between one and two segments long. */
const pushed: Uint8Array[] = stored.slice(0, SEGMENT_SIZE);
let sink = 0;

/** `Array.push` + `Promise.resolve` of the index: the least a promise-returning write does. */
function pushBaseline(record: Uint8Array): Promise<number> {
  if (pushed.length === 2 * SEGMENT_SIZE) pushed.length = SEGMENT_SIZE;
  return Promise.resolve(pushed.push(record) - 1);
}

/** An array index + `Promise.resolve` of the element: the least a promise-returning read does. */
function indexBaseline(i: number): Promise<Uint8Array> {
  return Promise.resolve(stored[i % stored.length]!);
}

// Log.write: a log that keeps rotating its 1000-record segments.
{
  const log = new Log({ maxSegmentSize: SEGMENT_SIZE });
  Deno.bench("baseline: array push + Promise.resolve", {
    group: "Log.write",
    baseline: true,
  }, async () => {
    sink += await pushBaseline(data);
  });
  Deno.bench("baseline: await resolved promise", { group: "Log.write" }, async () => {
    sink += await Promise.resolve(1);
  });
  Deno.bench("Log.write (32 B, memory)", { group: "Log.write" }, async () => {
    sink += await log.write(data);
  });
  // The same call without awaiting its promise (settled already): the Log's own work.
  const other = new Log({ maxSegmentSize: SEGMENT_SIZE });
  Deno.bench("Log.write, promise not awaited", { group: "Log.write" }, () => {
    void other.write(data);
  });
  // Optimistic concurrency: each write expects the next offset.
  const expecting = new Log({ maxSegmentSize: SEGMENT_SIZE });
  let next = 0;
  Deno.bench("Log.write with expectedOffset (32 B, memory)", { group: "Log.write" }, async () => {
    sink += await expecting.write(data, { expectedOffset: next++ });
  });
}

// Log.read and Log.readBatch over a full log: two segments of 1000 records.
{
  const log = new Log({ maxSegmentSize: SEGMENT_SIZE });
  for (const record of stored) await log.write(record);
  const { earliest, latest } = await log.range();
  const span = latest - earliest + 1;
  let next = 0;

  Deno.bench("baseline: array index + Promise.resolve", {
    group: "Log.read",
    baseline: true,
  }, async () => {
    sink += (await indexBaseline(next++)).byteLength;
  });
  Deno.bench("baseline: copy 32 B (slice) + Promise.resolve", { group: "Log.read" }, async () => {
    sink += (await Promise.resolve(stored[next++ % span]!.slice())).byteLength;
  });
  Deno.bench("baseline: await resolved promise", { group: "Log.read" }, async () => {
    sink += await Promise.resolve(1);
  });
  Deno.bench("Log.read (32 B, memory)", { group: "Log.read" }, async () => {
    sink += (await log.read(earliest + (next++ % span))).offset;
  });

  const batch = new Array<LogRecord>(BATCH_SIZE);
  const copies = new Array<LogRecord>(BATCH_SIZE);
  const starts = span - BATCH_SIZE + 1;
  Deno.bench(`baseline: copy ${BATCH_SIZE} records (slice each) + Promise.resolve`, {
    group: "Log.readBatch",
    baseline: true,
  }, async () => {
    const from = next++ % starts;
    for (let i = 0; i < BATCH_SIZE; i++) {
      copies[i] = { offset: from + i, created: new Date(from), data: stored[from + i]!.slice() };
    }
    sink += await Promise.resolve(BATCH_SIZE);
  });
  // What copying out would cost with one buffer per batch; readBatch does not do this.
  Deno.bench(`baseline: copy ${BATCH_SIZE} records into one buffer + Promise.resolve`, {
    group: "Log.readBatch",
  }, async () => {
    const from = next++ % starts;
    const size = data.byteLength;
    const buffer = new Uint8Array(BATCH_SIZE * size);
    for (let i = 0; i < BATCH_SIZE; i++) {
      const copy = buffer.subarray(i * size, (i + 1) * size);
      copy.set(stored[from + i]!);
      copies[i] = { offset: from + i, created: new Date(from), data: copy };
    }
    sink += await Promise.resolve(BATCH_SIZE);
  });
  Deno.bench("baseline: await resolved promise", { group: "Log.readBatch" }, async () => {
    sink += await Promise.resolve(1);
  });
  Deno.bench(`Log.readBatch (${BATCH_SIZE} x 32 B, memory)`, {
    group: "Log.readBatch",
  }, async () => {
    sink += await log.readBatch(earliest + (next++ % starts), batch);
  });
  // Bounded by bytes as well: read from the driver in pages of 16 records.
  Deno.bench(`Log.readBatch with maxBytes (${BATCH_SIZE} x 32 B, memory)`, {
    group: "Log.readBatch",
  }, async () => {
    sink += await log.readBatch(earliest + (next++ % starts), batch, { maxBytes: 1 << 20 });
  });
}

// The synchronous core: the same work with no promise, beside plain synchronous JavaScript.
// These are the figures compared with memlog's Write, Read and ReadBatch (run.sh).
{
  const log = new Log({ maxSegmentSize: SEGMENT_SIZE });
  Deno.bench("baseline: array push", { group: "Log.writeSync", baseline: true }, () => {
    if (pushed.length === 2 * SEGMENT_SIZE) pushed.length = SEGMENT_SIZE;
    sink += pushed.push(data);
  });
  Deno.bench("Log.writeSync (32 B, memory)", { group: "Log.writeSync" }, () => {
    sink += log.writeSync(data);
  });
  const expecting = new Log({ maxSegmentSize: SEGMENT_SIZE });
  let next = 0;
  Deno.bench("Log.writeSync with expectedOffset (32 B, memory)", {
    group: "Log.writeSync",
  }, () => {
    sink += expecting.writeSync(data, { expectedOffset: next++ });
  });
}

{
  const log = new Log({ maxSegmentSize: SEGMENT_SIZE });
  for (const record of stored) log.writeSync(record);
  const { begin, end } = log.boundsSync();
  const span = end - begin;
  const starts = span - BATCH_SIZE + 1;
  let next = 0;
  Deno.bench("baseline: array index", { group: "Log.readSync", baseline: true }, () => {
    sink += stored[next++ % stored.length]!.byteLength;
  });
  Deno.bench("Log.readSync (32 B, memory)", { group: "Log.readSync" }, () => {
    sink += log.readSync(begin + (next++ % span)).offset;
  });
  // The copy of the bytes and the Date are made when first asked for: asked for here.
  Deno.bench("Log.readSync, data and created read (32 B, memory)", {
    group: "Log.readSync",
  }, () => {
    const record = log.readSync(begin + (next++ % span));
    sink += record.data.byteLength + record.created.getTime();
  });

  const batch = new Array<LogRecord>(BATCH_SIZE);
  const copies = new Array<{ offset: number; data: Uint8Array }>(BATCH_SIZE);
  Deno.bench(`baseline: ${BATCH_SIZE} objects of an index and a stored array`, {
    group: "Log.readBatchSync",
    baseline: true,
  }, () => {
    const from = next++ % starts;
    for (let i = 0; i < BATCH_SIZE; i++) copies[i] = { offset: from + i, data: stored[from + i]! };
    sink += copies.length;
  });
  Deno.bench(`Log.readBatchSync (${BATCH_SIZE} x 32 B, memory)`, {
    group: "Log.readBatchSync",
  }, () => {
    sink += log.readBatchSync(begin + (next++ % starts), batch);
  });
  Deno.bench(`Log.readBatchSync, every data and created read (${BATCH_SIZE} x 32 B, memory)`, {
    group: "Log.readBatchSync",
  }, () => {
    const count = log.readBatchSync(begin + (next++ % starts), batch);
    for (let i = 0; i < count; i++) {
      const record = batch[i]!;
      sink += record.data.byteLength + record.created.getTime();
    }
  });
}

// Journal.append and Journal.get on a MemoryJournal. Appends truncate every 1000 records
// so that memory stays bounded; the amortized truncate is part of the figure.
{
  const journal = new MemoryJournal();
  let end = 0;
  Deno.bench("baseline: array push + Promise.resolve", {
    group: "Journal.append",
    baseline: true,
  }, async () => {
    sink += await pushBaseline(data);
  });
  Deno.bench("baseline: copy 32 B (slice) + array push + Promise.resolve", {
    group: "Journal.append",
  }, async () => {
    sink += await pushBaseline(data.slice());
  });
  Deno.bench("MemoryJournal.append (32 B)", { group: "Journal.append" }, async () => {
    await journal.append(end++, data);
    if (end % SEGMENT_SIZE === 0) await journal.truncate(end - SEGMENT_SIZE);
  });

  const full = new MemoryJournal();
  for (let i = 0; i < stored.length; i++) await full.append(i, stored[i]!);
  let pos = 0;
  Deno.bench("baseline: array index + Promise.resolve", {
    group: "Journal.get",
    baseline: true,
  }, async () => {
    sink += (await indexBaseline(pos++)).byteLength;
  });
  Deno.bench("baseline: copy 32 B (slice) + Promise.resolve", {
    group: "Journal.get",
  }, async () => {
    sink += (await Promise.resolve(stored[pos++ % stored.length]!.slice())).byteLength;
  });
  Deno.bench("MemoryJournal.get (32 B)", { group: "Journal.get" }, async () => {
    sink += (await full.get(pos++ % stored.length)).byteLength;
  });
}

// Keeps `sink` observable, so that no benchmark body can be optimized away.
globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
