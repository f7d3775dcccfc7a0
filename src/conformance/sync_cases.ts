/**
 * The conformance cases of the Log's synchronous methods (`writeSync`, `writeBatchSync`,
 * `readSync`): the same checks, errors and retention as the promise methods, errors thrown
 * instead of rejected, and over a coalescing driver a commit before each returns.
 * Internal to the suite: `logCases` runs them.
 *
 * @module
 */
import {
  ClosedError,
  ConflictError,
  FutureOffsetError,
  OutOfRangeError,
  RecordTooLargeError,
} from "../core/errors.ts";
import type { Log, LogRecord } from "../core/log.ts";
import { deepEqual, equal, fail, instanceOf, ok, rejects, throws } from "./assert.ts";
import { abortedSignal, bytes, NOT_BYTES, NOT_INTEGERS, record, unsafe } from "./fixtures.ts";
import type { Define } from "./log_context.ts";

/** What a call did: its value, or the class and message of its error. */
type Outcome = { value: unknown } | { error: string; message: string };

function syncOutcome(call: () => unknown): Outcome {
  try {
    return { value: call() };
  } catch (error) {
    return errorOutcome(error);
  }
}

async function promiseOutcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { value: await call() };
  } catch (error) {
    return errorOutcome(error);
  }
}

function errorOutcome(error: unknown): Outcome {
  if (!(error instanceof Error)) return fail(`Expected an Error, got "${String(error)}"`);
  return { error: error.constructor.name, message: error.message };
}

/** A record as plain values, to compare records read by different methods. */
function plain({ offset, created, data }: LogRecord) {
  return { offset, created, data };
}

/** Every record the log holds, read with `readBatchSync`, as plain values. */
function contentsOf(log: Log): ReturnType<typeof plain>[] {
  const { begin, end } = log.boundsSync();
  if (begin === end) return [];
  const batch = new Array<LogRecord>(end - begin);
  const count = log.readBatchSync(begin, batch);
  return batch.slice(0, count).map(plain);
}

/**
 * One step of the differential case: the same call made through the synchronous method
 * on one log and through the promise method on another.
 */
interface Step {
  what: string;
  sync: (log: Log) => unknown;
  promise: (log: Log) => Promise<unknown>;
}

/** Writes and reads, valid and not, that the two kinds of methods must answer alike. */
function differentialSteps(): Step[] {
  const steps: Step[] = [];
  const add = (what: string, sync: Step["sync"], promise: Step["promise"]) =>
    steps.push({ what, sync, promise });
  for (let i = 0; i < 9; i++) {
    add(`write(record ${i})`, (l) => l.writeSync(record(i)), (l) => l.write(record(i)));
  }
  add("write(empty)", (l) => l.writeSync(new Uint8Array(0)), (l) => l.write(new Uint8Array(0)));
  add("write(9 bytes)", (l) => l.writeSync(new Uint8Array(9)), (l) => l.write(new Uint8Array(9)));
  for (const data of NOT_BYTES) {
    add(
      `write(${String(data)})`,
      (l) => l.writeSync(unsafe(data)),
      (l) => l.write(unsafe(data)),
    );
  }
  for (const delta of [-1, 0, 1, 0]) {
    add(
      `write(expectedOffset end ${delta})`,
      (l) => l.writeSync(bytes(delta + 5), { expectedOffset: l.boundsSync().end + delta }),
      (l) => l.write(bytes(delta + 5), { expectedOffset: l.boundsSync().end + delta }),
    );
  }
  for (const expectedOffset of [...NOT_INTEGERS, -1]) {
    add(
      `write(expectedOffset ${expectedOffset})`,
      (l) => l.writeSync(bytes(1), { expectedOffset }),
      (l) => l.write(bytes(1), { expectedOffset }),
    );
  }
  const batches: Uint8Array[][] = [[bytes(1), bytes(2), bytes(3)], [], [bytes(1), bytes()], [
    bytes(4),
    new Uint8Array(9),
  ]];
  for (const [k, batch] of batches.entries()) {
    add(`writeBatch(batch ${k})`, (l) => l.writeBatchSync(batch), (l) => l.writeBatch(batch));
  }
  add(
    "writeBatch(expectedOffset end - 1)",
    (l) => l.writeBatchSync([bytes(8)], { expectedOffset: l.boundsSync().end - 1 }),
    (l) => l.writeBatch([bytes(8)], { expectedOffset: l.boundsSync().end - 1 }),
  );
  add(
    "writeBatch(not an array)",
    (l) => l.writeBatchSync(unsafe(bytes(1))),
    (l) => l.writeBatch(unsafe(bytes(1))),
  );
  const producer = (seq: number) => ({ producer: { id: "p", epoch: 0, seq } });
  for (const seq of [0, 0, 1, 3, 2, 1]) {
    add(
      `write(producer seq ${seq})`,
      (l) => l.writeSync(bytes(seq), producer(seq)),
      (l) => l.write(bytes(seq), producer(seq)),
    );
  }
  add(
    "writeBatch(producer seq 2)",
    (l) => l.writeBatchSync([bytes(1), bytes(2)], producer(2)),
    (l) => l.writeBatch([bytes(1), bytes(2)], producer(2)),
  );
  add(
    "write(producer with a bad epoch)",
    (l) => l.writeSync(bytes(1), { producer: { id: "p", epoch: -1, seq: 0 } }),
    (l) => l.write(bytes(1), { producer: { id: "p", epoch: -1, seq: 0 } }),
  );
  for (const offset of [-1, 0, 1, 3, 4, 5, 20, 21, 22, 1.5, NaN, ...NOT_INTEGERS]) {
    add(
      `read(${offset})`,
      (l) => plain(l.readSync(offset)),
      async (l) => plain(await l.read(offset)),
    );
  }
  add("read(not a number)", (l) => l.readSync(unsafe("1")), (l) => l.read(unsafe("1")));
  return steps;
}

/** Defines the cases of the synchronous methods. */
export function defineSync(define: Define): void {
  define(
    "`writeSync()`, `writeBatchSync()` and `readSync()` answer as `write()`, `writeBatch()` and `read()` do",
    async (ctx) => {
      // Two logs over two fresh drivers, the same calls: the same values, the same errors
      // (class and message), the same records and bounds after each step.
      let now = Date.UTC(2026, 0, 1);
      const clock = () => new Date(now);
      const options = { startOffset: 3, maxSegmentSize: 4, maxRecordSize: 8, clock };
      const sync = await ctx.log(options);
      const promised = await ctx.log(options);
      for (const [i, step] of differentialSteps().entries()) {
        now += 10;
        const what = `step ${i}, ${step.what}`;
        let returned: unknown;
        const expected = syncOutcome(() => (returned = step.sync(sync)));
        ok(!(returned instanceof Promise), `Expected ${what} to return no Promise`);
        deepEqual(await promiseOutcome(() => step.promise(promised)), expected, what);
        deepEqual(contentsOf(sync), contentsOf(promised), `records after ${what}`);
        deepEqual(sync.boundsSync(), promised.boundsSync(), `bounds after ${what}`);
      }
    },
  );

  define("`writeSync()` returns consecutive offsets from the start offset", async (ctx) => {
    const log = await ctx.log({ startOffset: 7 });
    for (let i = 0; i < 5; i++) equal(log.writeSync(record(i)), 7 + i, `offset of write ${i}`);
    equal(log.writeBatchSync([record(5), record(6)]), 12, "offset of the batch");
    deepEqual(log.boundsSync(), { begin: 7, end: 14 }, "bounds");
    for (let i = 0; i < 7; i++) deepEqual(log.readSync(7 + i).data, record(i), `data of ${7 + i}`);
    // The stored bytes are exactly the ones written, through the driver too.
    deepEqual(await log.journal.get(9), record(2), "journal.get(9)");
  });

  define(
    "`readSync()` returns the record with its offset, created time and data",
    async (ctx) => {
      const time = Date.UTC(2026, 2, 3);
      const log = await ctx.log({ clock: () => new Date(time) });
      log.writeSync(bytes(1, 2, 3));
      const got = log.readSync(0);
      equal(got.offset, 0, "offset");
      instanceOf(got.created, Date, "created");
      equal(got.created.getTime(), time, "created");
      instanceOf(got.data, Uint8Array, "data");
      deepEqual(got.data, bytes(1, 2, 3), "data");
      deepEqual(plain(await log.read(0)), plain(got), "read(0)");
    },
  );

  define(
    "`readSync()` throws FutureOffsetError past the end and OutOfRangeError below the window",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 2, maxSegmentSize: 2 });
      throws(() => log.readSync(2), FutureOffsetError, (e) => equal(e.offset, 2, "offset"));
      for (let i = 0; i < 5; i++) log.writeSync(record(i)); // n = 5, S = 2: earliest 4
      for (const offset of [7, 8, Number.MAX_SAFE_INTEGER]) {
        throws(() => log.readSync(offset), FutureOffsetError, (e) => {
          equal(e.offset, offset, "offset");
        });
      }
      for (const offset of [-1, 0, 1, 2, 3]) {
        throws(() => log.readSync(offset), OutOfRangeError, (e) => {
          equal(e.offset, offset, "offset");
        });
      }
      for (const offset of NOT_INTEGERS) throws(() => log.readSync(offset), RangeError);
      throws(() => log.readSync(unsafe("4")), TypeError);
      equal(log.readSync(4).offset, 4, "readSync(earliest)");
    },
  );

  define(
    "`writeSync()` throws the errors that `write()` rejects and consumes no offset",
    async (ctx) => {
      const log = await ctx.log({ maxRecordSize: 4 });
      log.writeSync(bytes(1));
      throws(() => log.writeSync(new Uint8Array(0)), RangeError);
      throws(() => log.writeSync(new Uint8Array(5)), RecordTooLargeError, (e) => {
        equal(e.size, 5, "size");
        equal(e.limit, 4, "limit");
      });
      for (const data of NOT_BYTES) throws(() => log.writeSync(unsafe(data)), TypeError);
      throws(() => log.writeSync(bytes(1), { expectedOffset: 0 }), ConflictError, (e) => {
        equal(e.position, 0, "position");
      });
      throws(() => log.writeSync(bytes(1), { expectedOffset: 2 }), RangeError);
      throws(() => log.writeBatchSync([bytes(1), new Uint8Array(5)]), RecordTooLargeError);
      throws(() => log.writeBatchSync([]), RangeError);
      const { signal, reason } = abortedSignal();
      for (
        const call of [
          () => log.writeSync(bytes(1), { signal }),
          () => log.writeBatchSync([bytes(1)], { signal }),
        ]
      ) {
        try {
          call();
          fail("Expected a write with an aborted signal to throw");
        } catch (error) {
          equal(error, reason, "the error of a write with an aborted signal");
        }
      }
      deepEqual(log.boundsSync(), { begin: 0, end: 1 }, "bounds after the failures");
      equal(log.writeSync(bytes(2), { expectedOffset: 1 }), 1, "the next offset");
    },
  );

  define("`writeSync()` applies the same retention as `write()`", async (ctx) => {
    const log = await ctx.log({ startOffset: 10, maxSegmentSize: 3 });
    for (let n = 1; n <= 14; n++) {
      if (n % 4 === 0) log.writeBatchSync([record(n), record(n + 100)]);
      else log.writeSync(record(n));
    }
    // 14 writes, 3 of them batches of two: n = 17 records, S = 3.
    const earliest = 10 + 3 * (Math.floor((17 - 1) / 3) - 1);
    deepEqual(log.boundsSync(), { begin: earliest, end: 27 }, "bounds");
    deepEqual(await log.range(), { earliest, latest: 26 }, "range()");
    throws(() => log.readSync(earliest - 1), OutOfRangeError);
    deepEqual(await log.journal.bounds(), { begin: earliest, end: 27 }, "journal.bounds()");
  });

  define("`writeSync()` copies its data and `readSync()` returns copies", async (ctx) => {
    const log = await ctx.log();
    const data = bytes(1, 2, 3);
    log.writeSync(data);
    data.fill(9);
    const first = log.readSync(0);
    first.data.fill(7);
    new Uint8Array(first.data.buffer).fill(8);
    deepEqual(log.readSync(0).data, bytes(1, 2, 3), "readSync(0).data");
    deepEqual(await log.journal.get(0), bytes(1, 2, 3), "journal.get(0)");
  });

  define(
    "`writeSync()` commits the writes gathered before it first, in order, and its own before it returns",
    async (ctx) => {
      const log = await ctx.log({ scheduleCommit: () => {} });
      // Issued without awaiting: over a coalescing driver they wait for a commit that only
      // `flush()` or a synchronous write makes here (the scheduled commit never runs).
      const first = log.write(bytes(1));
      const second = log.writeBatch([bytes(2), bytes(3)]);
      equal(log.writeSync(bytes(4)), 3, "offset of writeSync() after three gathered records");
      deepEqual(await log.journal.bounds(), { begin: 0, end: 4 }, "journal bounds at return");
      equal(await first, 0, "offset of the first write");
      equal(await second, 1, "offset of the batch");
      const producer = { id: "p", epoch: 0, seq: 0 };
      const third = log.write(bytes(5), { producer });
      // A retry of a gathered producer write is a duplicate of the write just committed.
      deepEqual(log.writeSync(bytes(5), { producer }), {
        offset: 4,
        count: 1,
        duplicate: true,
      }, "writeSync() retrying a gathered producer write");
      deepEqual(await third, { offset: 4, count: 1, duplicate: false }, "the gathered write");
      equal(log.writeBatchSync([bytes(6)], { expectedOffset: 5 }), 5, "writeBatchSync()");
      deepEqual(await log.journal.bounds(), { begin: 0, end: 6 }, "journal bounds at the end");
      deepEqual(contentsOf(log).map((r) => r.data[0]), [1, 2, 3, 4, 5, 6], "records in order");
    },
  );

  define("`writeSync()` wakes a waiting stream", async (ctx) => {
    const log = await ctx.log();
    const controller = ctx.controller();
    const stream = log.stream(0, { signal: controller.signal });
    const next = stream.next();
    log.writeSync(bytes(42));
    const { value } = await next;
    deepEqual(value?.data, bytes(42), "the streamed record");
  });

  define(
    "`writeSync()` and `readSync()` throw ClosedError once the driver is closed",
    async (ctx) => {
      const log = await ctx.log();
      log.writeSync(bytes(1));
      await log.journal.close();
      throws(() => log.writeSync(bytes(2)), ClosedError);
      throws(() => log.writeBatchSync([bytes(2)]), ClosedError);
      throws(() => log.readSync(0), ClosedError);
      await rejects(() => log.write(bytes(2)), ClosedError);
    },
  );
}
