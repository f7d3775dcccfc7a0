/**
 * The conformance cases of time in a Log over a storage driver: creation times that never
 * decrease, `offsetAt` (a search on creation times, through the driver's `findCreated`),
 * and retention by age (`maxAge`) with its bounded deletion. Part of `logCases`.
 *
 * @module
 */
import { OutOfRangeError } from "../core/errors.ts";
import { EXPIRY_STEP, Log, type LogOptions, type LogRecord } from "../core/log.ts";
import type { StorageJournal } from "../core/storage_journal.ts";
import { deepEqual, equal, ok, rejects, rejectsWith, throws } from "./assert.ts";
import { abortedSignal, record, unsafe } from "./fixtures.ts";

/** What a time case gets: the context of the Log cases. */
interface Context {
  /** A fresh journal from the harness. */
  journal(): Promise<StorageJournal>;
  /** A new Log over `options.journal`, or over a fresh journal from the harness. */
  log(options?: LogOptions): Promise<Log>;
  /** An AbortController whose signal is aborted when the case ends. */
  controller(): AbortController;
}

type Define = (name: string, body: (ctx: Context) => Promise<void>) => void;

/** A clock a case sets by hand: `clock.now` is the time it returns. */
interface ManualClock {
  now: number;
  (): Date;
}

function manualClock(ms: number): ManualClock {
  const clock = (() => new Date(clock.now)) as ManualClock;
  clock.now = ms;
  return clock;
}

const T0 = Date.UTC(2026, 11, 1);

/** The creation times of the records at `[from, to)`, read through the Log. */
async function createdTimes(log: Log, from: number, to: number): Promise<number[]> {
  const batch = new Array<LogRecord>(to - from);
  const count = await log.readBatch(from, batch);
  return batch.slice(0, count).map((r) => r.created.getTime());
}

/** Appends one record per time with the driver-level API, which stores times as given. */
function appendAt(journal: StorageJournal, times: readonly number[]): void {
  for (const created of times) {
    const { end } = journal.readBounds();
    journal.appendRecords(end, [{ created, data: record(end) }]);
  }
}

/**
 * Defines the time cases with the Log cases' `define`.
 *
 * @param define Adds a case.
 */
export function defineTimeCases(define: Define): void {
  defineCreated(define);
  defineFindCreated(define);
  defineOffsetAt(define);
  defineMaxAge(define);
  defineExpiryDeletion(define);
}

function defineCreated(define: Define): void {
  define("`write()` never stamps a record before the log's last record", async (ctx) => {
    const clock = manualClock(T0 + 5_000);
    const log = await ctx.log({ clock });
    await log.write(record(0));
    clock.now = T0 + 1_000; // The clock went back.
    await log.write(record(1));
    await log.writeBatch([record(2), record(3)]);
    clock.now = T0 + 6_000;
    await log.write(record(4));
    deepEqual(
      await createdTimes(log, 0, 5),
      [T0 + 5_000, T0 + 5_000, T0 + 5_000, T0 + 5_000, T0 + 6_000],
      "created",
    );
  });

  define(
    "Writes issued together never stamp a record before an earlier one of them",
    async (ctx) => {
      const times = [T0 + 9, T0 + 3, T0 + 7, T0 + 1];
      let call = 0;
      const log = await ctx.log({ clock: () => new Date(times[call++ % times.length]!) });
      await Promise.all([0, 1, 2, 3].map((i) => log.write(record(i))));
      deepEqual(await createdTimes(log, 0, 4), [T0 + 9, T0 + 9, T0 + 9, T0 + 9], "created");
    },
  );

  define(
    "A Log over a journal that holds records never stamps one before its last record",
    async (ctx) => {
      const journal = await ctx.journal();
      const first = new Log({ journal, clock: () => new Date(T0 + 8_000) });
      await first.write(record(0));
      first.flush();
      const second = new Log({ journal, clock: () => new Date(T0) });
      await second.write(record(1));
      deepEqual(await createdTimes(second, 0, 2), [T0 + 8_000, T0 + 8_000], "created");
    },
  );
}

function defineFindCreated(define: Define): void {
  define(
    "The driver-level `findCreated()` finds the first position created at or after a time",
    async (ctx) => {
      const journal = await ctx.journal();
      deepEqual(journal.findCreated(T0), { position: 0, created: undefined }, "empty journal");
      appendAt(journal, [T0, T0 + 10, T0 + 10, T0 + 10, T0 + 20]);
      deepEqual(journal.findCreated(T0 - 1), { position: 0, created: T0 }, "before all");
      deepEqual(journal.findCreated(T0), { position: 0, created: T0 }, "at the first");
      deepEqual(journal.findCreated(T0 + 1), { position: 1, created: T0 + 10 }, "between");
      deepEqual(journal.findCreated(T0 + 10), { position: 1, created: T0 + 10 }, "first equal");
      deepEqual(journal.findCreated(T0 + 10, 3), { position: 3, created: T0 + 10 }, "from 3");
      deepEqual(journal.findCreated(T0 + 20), { position: 4, created: T0 + 20 }, "last");
      deepEqual(journal.findCreated(T0 + 21), { position: 5, created: undefined }, "after all");
      deepEqual(journal.findCreated(T0, 9), { position: 5, created: undefined }, "from past end");
      await journal.truncate(2);
      deepEqual(journal.findCreated(T0), { position: 2, created: T0 + 10 }, "after truncate");
      throws(() => journal.findCreated(NaN), RangeError);
      throws(() => journal.findCreated(Infinity), RangeError);
      throws(() => journal.findCreated(unsafe("1")), TypeError);
      throws(() => journal.findCreated(T0, -1), RangeError);
    },
  );

  define(
    "The driver-level `findCreated()` agrees with a scan over 1000 records with runs of equal times",
    async (ctx) => {
      const journal = await ctx.journal();
      const times: number[] = [];
      let time = T0;
      for (let i = 0; i < 1000; i++) {
        // Steps of 0 to 3 ms: runs of equal times, and times no record has.
        time += (i * 7) % 4;
        times.push(time);
      }
      for (let i = 0; i < times.length; i += 100) {
        const { end } = journal.readBounds();
        journal.appendRecords(
          end,
          times.slice(i, i + 100).map((created, k) => ({ created, data: record(i + k) })),
        );
      }
      for (let probe = T0 - 1; probe <= time + 1; probe += 3) {
        const index = times.findIndex((t) => t >= probe);
        const position = index === -1 ? 1000 : index;
        deepEqual(
          journal.findCreated(probe),
          { position, created: times[position] },
          `findCreated(T0 + ${probe - T0})`,
        );
      }
      for (const from of [0, 1, 499, 998, 999]) {
        const index = times.findIndex((t, i) => i >= from && t >= T0 + 10);
        equal(journal.findCreated(T0 + 10, from).position, index, `from ${from}`);
      }
    },
  );

  define("`append()` never stamps a record before the journal's last record", async (ctx) => {
    const journal = await ctx.journal();
    appendAt(journal, [Date.now() + 3_600_000]); // An hour ahead of the journal's clock.
    await journal.append(1, record(1));
    const [first, second] = journal.readRecords(0, 2);
    equal(second?.created, first?.created, "created of the appended record");
  });
}

function defineOffsetAt(define: Define): void {
  define("`offsetAt()` of an empty log is its end", async (ctx) => {
    const log = await ctx.log({ startOffset: 4 });
    equal(await log.offsetAt(T0), 4, "offsetAt() of a fresh log");
    await log.write(record(0));
    await log.truncate(5);
    equal(await log.offsetAt(0), 5, "offsetAt() once every record was truncated");
  });

  define(
    "`offsetAt()` resolves the first offset created at or after the time, the end after the newest",
    async (ctx) => {
      const clock = manualClock(T0);
      const log = await ctx.log({ startOffset: 10, clock });
      for (const time of [0, 0, 5, 9, 9, 9, 20]) {
        clock.now = T0 + time;
        await log.write(record(time));
      }
      const cases: [number, number][] = [
        [-1, 10],
        [0, 10],
        [1, 12],
        [5, 12],
        [6, 13],
        [9, 13],
        [10, 16],
        [20, 16],
        [21, 17],
      ];
      for (const [time, offset] of cases) {
        equal(await log.offsetAt(T0 + time), offset, `offsetAt(T0 + ${time})`);
        equal(log.offsetAtSync(new Date(T0 + time)), offset, `offsetAtSync(Date of T0 + ${time})`);
      }
    },
  );

  define(
    "`offsetAt()` before the oldest record kept resolves the beginning of `bounds()`",
    async (ctx) => {
      const clock = manualClock(T0);
      const log = await ctx.log({ clock, maxSegmentSize: 2 });
      for (let i = 0; i < 7; i++, clock.now += 10) await log.write(record(i));
      const { begin } = await log.bounds();
      equal(begin, 4, "begin after retention");
      equal(await log.offsetAt(T0), begin, "offsetAt() of the first record's time");
      await log.truncate(5);
      equal(await log.offsetAt(0), 5, "offsetAt() after truncate()");
    },
  );

  define("`offsetAt()` rejects bad times and aborted signals", async (ctx) => {
    const log = await ctx.log();
    await log.write(record(0));
    for (const time of [NaN, Infinity, -Infinity, new Date(NaN)]) {
      await rejects(() => log.offsetAt(time), RangeError);
      throws(() => log.offsetAtSync(time), RangeError);
    }
    for (const time of ["2026-12-01", null, undefined, {}]) {
      await rejects(() => log.offsetAt(unsafe(time)), TypeError);
    }
    const { signal, reason } = abortedSignal();
    await rejectsWith(() => log.offsetAt(T0, { signal }), reason);
  });
}

function defineMaxAge(define: Define): void {
  define("`new Log()` takes maxAge as a positive integer or Infinity", async (ctx) => {
    const journal = await ctx.journal();
    equal(new Log({ journal }).maxAge, Infinity, "default maxAge");
    equal(new Log({ journal, maxAge: 1 }).maxAge, 1, "maxAge 1");
    for (const maxAge of [0, -1, 1.5, NaN, -Infinity]) {
      throws(() => new Log({ journal, maxAge }), RangeError);
    }
    throws(() => new Log({ journal, maxAge: unsafe("60000") }), TypeError);
  });

  define(
    "A record older than maxAge is gone for read, readBatch, range, bounds and offsetAt",
    async (ctx) => {
      const clock = manualClock(T0);
      const log = await ctx.log({ clock, maxAge: 1_000 });
      await log.write(record(0)); // created T0
      clock.now = T0 + 500;
      await log.write(record(1)); // created T0 + 500
      clock.now = T0 + 1_000; // Record 0 is exactly maxAge old: still kept.
      equal((await log.read(0)).offset, 0, "read(0) at exactly maxAge");
      deepEqual(await log.bounds(), { begin: 0, end: 2 }, "bounds() at exactly maxAge");
      clock.now = T0 + 1_001;
      await rejects(() => log.read(0), OutOfRangeError, (e) => equal(e.offset, 0, "offset"));
      await rejects(() => log.readBatch(0, new Array<LogRecord>(2)), OutOfRangeError);
      equal(log.readBatchSync(1, new Array<LogRecord>(2)), 1, "readBatchSync(1)");
      deepEqual(await log.bounds(), { begin: 1, end: 2 }, "bounds()");
      deepEqual(log.boundsSync(), { begin: 1, end: 2 }, "boundsSync()");
      deepEqual(await log.range(), { earliest: 1, latest: 1 }, "range()");
      equal(await log.offsetAt(T0), 1, "offsetAt() of record 0's time");
      clock.now = T0 + 1_501;
      deepEqual(await log.bounds(), { begin: 2, end: 2 }, "bounds() once all expired");
      deepEqual(await log.range(), { earliest: -1, latest: -1 }, "range() once all expired");
      await rejects(() => log.read(1), OutOfRangeError);
      equal(await log.offsetAt(T0), 2, "offsetAt() once all expired");
      equal(await log.write(record(2)), 2, "the next write keeps its offset");
      equal((await log.read(2)).offset, 2, "read() of the new record");
    },
  );

  define("A stream rejects OutOfRangeError when maxAge overtakes it", async (ctx) => {
    const clock = manualClock(T0);
    const log = await ctx.log({ clock, maxAge: 100 });
    for (let i = 0; i < 3; i++) await log.write(record(i));
    const stream = log.stream(0, { signal: ctx.controller().signal });
    equal((await stream.next()).value?.offset, 0, "first record");
    clock.now = T0 + 101; // Records 1 and 2, read ahead by the stream, have expired.
    await rejects(() => stream.next(), OutOfRangeError, (e) => equal(e.offset, 1, "offset"));
    const late = log.stream(0, { signal: ctx.controller().signal });
    await rejects(() => late.next(), OutOfRangeError, (e) => equal(e.offset, 0, "offset"));
  });

  define("An expired record never comes back when the clock goes back", async (ctx) => {
    const clock = manualClock(T0);
    const log = await ctx.log({ clock, maxAge: 100 });
    await log.write(record(0));
    clock.now = T0 + 50;
    await log.write(record(1));
    clock.now = T0 + 101;
    deepEqual(await log.bounds(), { begin: 1, end: 2 }, "bounds() once record 0 expired");
    clock.now = T0;
    deepEqual(await log.bounds(), { begin: 1, end: 2 }, "bounds() after the clock went back");
    await rejects(() => log.read(0), OutOfRangeError);
  });

  define("maxAge and maxSegmentSize both apply: whichever drops a record first", async (ctx) => {
    const clock = manualClock(T0);
    const log = await ctx.log({ clock, maxAge: 1_000, maxSegmentSize: 2 });
    for (let i = 0; i < 5; i++) await log.write(record(i));
    deepEqual(await log.bounds(), { begin: 2, end: 5 }, "count-based retention");
    clock.now = T0 + 500;
    await log.write(record(5));
    clock.now = T0 + 1_001;
    deepEqual(await log.bounds(), { begin: 5, end: 6 }, "retention by age");
  });

  define("maxAge applies to the records of a journal written before", async (ctx) => {
    const journal = await ctx.journal();
    const old = new Log({ journal, clock: () => new Date(T0) });
    await old.writeBatch([record(0), record(1)]);
    old.flush();
    const log = new Log({ journal, maxAge: 60_000, clock: () => new Date(T0 + 60_001) });
    deepEqual(await log.bounds(), { begin: 2, end: 2 }, "bounds()");
    await rejects(() => log.read(1), OutOfRangeError);
  });
}

function defineExpiryDeletion(define: Define): void {
  define(
    "Expired records wait for deletion: a read deletes none until EXPIRY_STEP have expired",
    async (ctx) => {
      const clock = manualClock(T0);
      const log = await ctx.log({ clock, maxAge: 1_000 });
      await log.writeBatch(Array.from({ length: 10 }, (_, i) => record(i)));
      clock.now = T0 + 500;
      await log.write(record(10));
      clock.now = T0 + 1_001;
      deepEqual(await log.bounds(), { begin: 10, end: 11 }, "bounds() of the log");
      deepEqual(await log.journal.bounds(), { begin: 0, end: 11 }, "the driver's bounds");
      await log.write(record(11));
      deepEqual(await log.journal.bounds(), { begin: 10, end: 12 }, "after a write deleted them");
    },
  );

  define(
    "Expired records are deleted at most EXPIRY_STEP per read and EXPIRY_STEP + its records per write",
    async (ctx) => {
      const clock = manualClock(T0);
      const log = await ctx.log({ clock, maxAge: 1_000 });
      const total = 3 * EXPIRY_STEP + 10;
      for (let i = 0; i < total; i += 100) {
        await log.writeBatch(
          Array.from({ length: Math.min(100, total - i) }, (_, k) => record(i + k)),
        );
      }
      clock.now = T0 + 100;
      await log.write(record(total)); // The one record that does not expire.
      clock.now = T0 + 1_001;
      deepEqual(await log.bounds(), { begin: total, end: total + 1 }, "bounds() of the log");
      deepEqual(
        await log.journal.bounds(),
        { begin: EXPIRY_STEP, end: total + 1 },
        "the driver's bounds after one read",
      );
      await log.writeBatch([record(total + 1), record(total + 2)]);
      deepEqual(
        await log.journal.bounds(),
        { begin: 2 * EXPIRY_STEP + 2, end: total + 3 },
        "the driver's bounds after a write of two records",
      );
      await log.range();
      deepEqual(
        await log.journal.bounds(),
        { begin: 3 * EXPIRY_STEP + 2, end: total + 3 },
        "the driver's bounds after another read",
      );
      await log.range();
      deepEqual(
        await log.journal.bounds(),
        { begin: 3 * EXPIRY_STEP + 2, end: total + 3 },
        "a read leaves fewer than EXPIRY_STEP expired records",
      );
      await log.write(record(total + 3));
      deepEqual(await log.journal.bounds(), { begin: total, end: total + 4 }, "all deleted");
    },
  );

  define("A read deletes the last expired records once every record has expired", async (ctx) => {
    const clock = manualClock(T0);
    const log = await ctx.log({ clock, maxAge: 1_000 });
    await log.writeBatch([record(0), record(1), record(2)]);
    clock.now = T0 + 1_001;
    ok((await log.journal.bounds()).begin === 0, "Expected no deletion without a call");
    deepEqual(await log.bounds(), { begin: 3, end: 3 }, "bounds() of the log");
    deepEqual(await log.journal.bounds(), { begin: 3, end: 3 }, "the driver's bounds");
  });
}
