/**
 * The conformance cases of the Log contract over a storage driver: every sentence of
 * the design's Log section, its general rules and the errors a log reports.
 *
 * @module
 */
import {
  ConflictError,
  FutureOffsetError,
  LogError,
  OutOfRangeError,
  RecordTooLargeError,
} from "../core/errors.ts";
import type { CallOptions } from "../core/journal.ts";
import { Log, type LogOptions, type LogRecord } from "../core/log.ts";
import type { StorageJournal } from "../core/storage_journal.ts";
import {
  assertQuotes,
  deepEqual,
  equal,
  fail,
  instanceOf,
  ok,
  rejects,
  rejectsWith,
  settle,
  throws,
  track,
} from "./assert.ts";
import {
  abortedSignal,
  bytes,
  HIGH_START,
  NOT_BYTES,
  NOT_INTEGERS,
  NOT_NUMBERS,
  pattern,
  record,
  unsafe,
} from "./fixtures.ts";
import {
  type CaseOptions,
  type ConformanceCase,
  type DraftCase,
  type LogHarness,
  select,
} from "./suite.ts";

/** What a Log case gets: fresh journals and logs over fresh journals. */
interface Context {
  /** A fresh journal from the harness. */
  journal(): Promise<StorageJournal>;
  /** A new Log over `options.journal`, or over a fresh journal from the harness. */
  log(options?: LogOptions): Promise<Log>;
  /** An AbortController whose signal is aborted when the case ends. */
  controller(): AbortController;
}

type Body = (ctx: Context) => Promise<void>;
type Define = (name: string, body: Body) => void;

/**
 * The conformance cases of the Log contract, run over a storage driver: each case builds
 * its logs with `new Log({ journal })` over fresh journals from `harness.create`, and
 * closes the journals when it ends. Cases named in `options.skip` are left out (see
 * {@linkcode SkipList}).
 *
 * @param harness Creates the storage drivers under test.
 * @param options Cases to skip.
 * @returns The cases, each with a unique name.
 * @throws {RangeError} When `options.skip` names a case that does not exist or gives an
 * empty reason.
 *
 * @example Running the Log cases over MemoryJournal
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import { logCases } from "@edgelog/edgelog/conformance";
 *
 * const cases = logCases({ create: () => new MemoryJournal() });
 * for (const c of cases) await c.fn(); // or: Deno.test(c.name, c.fn) / it(c.name, c.fn)
 * ```
 */
export function logCases(harness: LogHarness, options: CaseOptions = {}): ConformanceCase[] {
  const drafts: DraftCase[] = [];
  const define: Define = (name, body) => {
    drafts.push({ name, fn: () => run(harness, body) });
  };
  defineWrite(define);
  defineWriteBatch(define);
  defineRead(define);
  defineReadBatch(define);
  defineRange(define);
  defineRetention(define);
  defineConstructor(define);
  defineStream(define);
  defineOverJournal(define);
  defineGeneralRules(define);
  defineErrors(define);
  return select(drafts, options.skip, harness.supportsStart);
}

async function run(harness: LogHarness, body: Body): Promise<void> {
  const journals: StorageJournal[] = [];
  const controllers: AbortController[] = [];
  const journal = async () => {
    const created = await harness.create();
    journals.push(created);
    return created;
  };
  const ctx: Context = {
    journal,
    log: async (options = {}) =>
      new Log({ ...options, journal: options.journal ?? await journal() }),
    controller: () => {
      const controller = new AbortController();
      controllers.push(controller);
      return controller;
    },
  };
  try {
    await body(ctx);
  } finally {
    for (const controller of controllers) controller.abort();
    await Promise.allSettled(journals.map((j) => j.close()));
  }
}

/** Writes `count` distinct records one by one and returns copies of them. */
async function writeAll(log: Log, count: number, first = 0): Promise<Uint8Array[]> {
  const records = Array.from({ length: count }, (_, i) => record(first + i));
  for (const data of records) await log.write(data.slice());
  return records;
}

/** A clock that returns `ms` and then, for each later call, one millisecond more. */
function steppingClock(ms: number): () => Date {
  let now = ms;
  return () => new Date(now++);
}

/** The earliest offset the design's retention formula leaves after `n` writes. */
function expectedEarliest(start: number, size: number, n: number): number {
  return n <= size ? start : start + size * (Math.floor((n - 1) / size) - 1);
}

/** Checks range(), the journal's bounds and reads at the edges of the window. */
async function checkWindow(log: Log, earliest: number, latest: number, what: string) {
  deepEqual(await log.range(), { earliest, latest }, `range() ${what}`);
  deepEqual(
    await log.journal.bounds(),
    { begin: earliest, end: latest + 1 },
    `journal.bounds() ${what}`,
  );
  equal((await log.read(earliest)).offset, earliest, `read(earliest).offset ${what}`);
  equal((await log.read(latest)).offset, latest, `read(latest).offset ${what}`);
  if (earliest > 0) {
    await rejects(() => log.read(earliest - 1), OutOfRangeError, (e) => {
      equal(e.offset, earliest - 1, `offset ${what}`);
    });
  }
  await rejects(() => log.read(latest + 1), FutureOffsetError, (e) => {
    equal(e.offset, latest + 1, `offset ${what}`);
  });
}

function defineWrite(define: Define): void {
  define(
    "`write()` gives the first record offset 0 by default and each later one the previous + 1",
    async (ctx) => {
      const log = await ctx.log();
      for (let i = 0; i < 5; i++) equal(await log.write(record(i)), i, `offset of write ${i}`);
    },
  );

  define(
    "`write()` gives the first record startOffset and each later one the previous + 1",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 7 });
      for (let i = 0; i < 5; i++) equal(await log.write(record(i)), 7 + i, `offset of write ${i}`);
      deepEqual(await log.range(), { earliest: 7, latest: 11 }, "range()");
    },
  );

  define("`write()` that fails consumes no offset", async (ctx) => {
    const log = await ctx.log({ startOffset: 3, maxRecordSize: 4 });
    await rejects(() => log.write(new Uint8Array(0)), RangeError);
    await rejects(() => log.write(new Uint8Array(5)), RecordTooLargeError);
    await rejects(() => log.write(unsafe("data")), TypeError);
    const { signal, reason } = abortedSignal();
    await rejectsWith(() => log.write(bytes(1), { signal }), reason);
    equal(await log.write(bytes(1)), 3, "offset of the first successful write");
    await rejects(() => log.write(new Uint8Array(0)), RangeError);
    await rejects(() => log.writeBatch([bytes(1), new Uint8Array(9)]), RecordTooLargeError);
    equal(await log.write(bytes(2)), 4, "offset of the second successful write");
  });

  define("`write()` rejects RangeError for empty data", async (ctx) => {
    const log = await ctx.log();
    await rejects(() => log.write(new Uint8Array(0)), RangeError);
    await rejects(() => log.write(pattern(8).subarray(4, 4)), RangeError);
    deepEqual(await log.range(), { earliest: -1, latest: -1 }, "range()");
  });

  define(
    "`write()` rejects RecordTooLargeError carrying size and limit when data exceeds maxRecordSize",
    async (ctx) => {
      const log = await ctx.log({ maxRecordSize: 16 });
      for (const size of [17, 100]) {
        await rejects(() => log.write(new Uint8Array(size)), RecordTooLargeError, (e) => {
          equal(e.size, size, "size");
          equal(e.limit, 16, "limit");
          assertQuotes(e, size);
          assertQuotes(e, 16);
        });
      }
      deepEqual(await log.range(), { earliest: -1, latest: -1 }, "range()");
    },
  );

  define("`write()` accepts data of exactly maxRecordSize bytes", async (ctx) => {
    const log = await ctx.log({ maxRecordSize: 16 });
    equal(await log.write(pattern(16)), 0, "offset");
    deepEqual((await log.read(0)).data, pattern(16), "read(0).data");
    const one = await ctx.log({ maxRecordSize: 1 });
    equal(await one.write(bytes(9)), 0, "offset with maxRecordSize 1");
    await rejects(() => one.write(bytes(9, 9)), RecordTooLargeError);
  });

  define(
    "`write()` accepts 1 MiB by default and rejects RecordTooLargeError above it",
    async (ctx) => {
      const log = await ctx.log();
      const max = pattern(1048576);
      equal(await log.write(max), 0, "offset of a 1 MiB record");
      deepEqual((await log.read(0)).data, max, "read(0).data");
      await rejects(() => log.write(new Uint8Array(1048577)), RecordTooLargeError, (e) => {
        equal(e.size, 1048577, "size");
        equal(e.limit, 1048576, "limit");
      });
    },
  );

  define("`write()` rejects TypeError for data that is not a Uint8Array", async (ctx) => {
    const log = await ctx.log();
    for (const value of [...NOT_BYTES, undefined]) {
      await rejects(() => log.write(unsafe(value)), TypeError);
    }
    deepEqual(await log.range(), { earliest: -1, latest: -1 }, "range()");
  });

  define(
    "`write()` copies data: mutating the input afterwards changes nothing stored",
    async (ctx) => {
      const log = await ctx.log();
      const input = bytes(1, 2, 3);
      await log.write(input);
      input.fill(0);
      deepEqual((await log.read(0)).data, bytes(1, 2, 3), "read(0).data");
      deepEqual(await log.journal.get(0), bytes(1, 2, 3), "journal.get(0)");
    },
  );

  define("`write()` stores exactly the bytes of a view into a larger buffer", async (ctx) => {
    const log = await ctx.log();
    const buffer = pattern(64);
    await log.write(buffer.subarray(10, 13));
    await log.write(new Uint8Array(buffer.buffer, 60, 4));
    deepEqual((await log.read(0)).data, bytes(10, 11, 12), "read(0).data");
    deepEqual((await log.read(1)).data, bytes(60, 61, 62, 63), "read(1).data");
  });

  define("`write()` stamps each record with the time of the Log's clock", async (ctx) => {
    const log = await ctx.log({ clock: steppingClock(Date.UTC(2026, 0, 1)) });
    const first = await log.write(bytes(1));
    const second = await log.write(bytes(2));
    const a = await log.read(first);
    const b = await log.read(second);
    instanceOf(a.created, Date, "read(0).created");
    equal(a.created.getTime(), Date.UTC(2026, 0, 1), "read(0).created");
    equal(b.created.getTime(), Date.UTC(2026, 0, 1) + 1, "read(1).created");
  });

  define("`write()` stamps records with the system clock by default", async (ctx) => {
    const log = await ctx.log();
    const before = Date.now();
    await log.write(bytes(1));
    const after = Date.now();
    const { created } = await log.read(0);
    instanceOf(created, Date, "created");
    ok(
      created.getTime() >= before && created.getTime() <= after,
      `Expected created to be between "${before}" and "${after}", got "${created.getTime()}"`,
    );
  });

  define("`write()` from 100 concurrent calls gets unique consecutive offsets", async (ctx) => {
    const log = await ctx.log({ startOffset: 50 });
    const records = Array.from({ length: 100 }, (_, i) => record(i));
    const offsets = await Promise.all(records.map((data) => log.write(data)));
    deepEqual(
      [...offsets].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => 50 + i),
      "offsets, sorted",
    );
    for (let i = 0; i < 100; i++) {
      deepEqual((await log.read(offsets[i]!)).data, records[i], `the record of write ${i}`);
    }
    deepEqual(await log.range(), { earliest: 50, latest: 149 }, "range()");
  });
}

function defineWriteBatch(define: Define): void {
  define(
    "`writeBatch()` stores the records at consecutive offsets and resolves the first",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 4 });
      await log.write(record(0));
      const batch = [record(1), record(2), record(3)];
      equal(await log.writeBatch(batch), 5, "offset of the first record");
      for (let i = 0; i < 3; i++) {
        deepEqual(
          (await log.read(5 + i)).data,
          batch[i],
          `read(${5 + i})`,
        );
      }
      equal(await log.write(record(4)), 8, "offset of the next write");
    },
  );

  define("`writeBatch()` stamps every record with the Log's clock", async (ctx) => {
    const time = Date.UTC(2026, 5, 1);
    const log = await ctx.log({ clock: () => new Date(time) });
    await log.writeBatch([bytes(1), bytes(2)]);
    equal((await log.read(0)).created.getTime(), time, "read(0).created");
    equal((await log.read(1)).created.getTime(), time, "read(1).created");
  });

  define("`writeBatch()` resolves when expectedOffset is the next offset", async (ctx) => {
    const log = await ctx.log({ startOffset: 10 });
    equal(await log.writeBatch([bytes(1)], { expectedOffset: 10 }), 10, "first offset");
    equal(await log.writeBatch([bytes(2), bytes(3)], { expectedOffset: 11 }), 11, "first offset");
    deepEqual(await log.range(), { earliest: 10, latest: 12 }, "range()");
  });

  define(
    "`writeBatch()` rejects ConflictError carrying expectedOffset when it is below the next offset",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 3);
      for (const expectedOffset of [2, 0]) {
        await rejects(
          () => log.writeBatch([bytes(9), bytes(9)], { expectedOffset }),
          ConflictError,
          (e) => equal(e.position, expectedOffset, "position"),
        );
      }
      deepEqual(await log.range(), { earliest: 0, latest: 2 }, "range()");
      equal(await log.write(bytes(1)), 3, "offset of the next write");
    },
  );

  define(
    "`writeBatch()` rejects RangeError when expectedOffset is above the next offset",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 2);
      for (const expectedOffset of [3, 1000]) {
        await rejects(() => log.writeBatch([bytes(9)], { expectedOffset }), RangeError);
      }
      deepEqual(await log.range(), { earliest: 0, latest: 1 }, "range()");
      equal(await log.write(bytes(1)), 2, "offset of the next write");
    },
  );

  define(
    "`writeBatch()` rejects RangeError for an expectedOffset that is not a non-negative integer",
    async (ctx) => {
      const log = await ctx.log();
      for (const expectedOffset of [...NOT_INTEGERS, -1]) {
        await rejects(() => log.writeBatch([bytes(9)], { expectedOffset }), RangeError);
      }
      await rejects(() => log.writeBatch([bytes(9)], { expectedOffset: unsafe("0") }), TypeError);
      deepEqual(await log.range(), { earliest: -1, latest: -1 }, "range()");
    },
  );

  define(
    "`writeBatch()` lets exactly one of concurrent batches with one expectedOffset win",
    async (ctx) => {
      const log = await ctx.log();
      const results = await Promise.allSettled(
        [0, 1, 2].map((i) => log.writeBatch([record(i), record(i + 10)], { expectedOffset: 0 })),
      );
      const won = results.flatMap((r, i) => r.status === "fulfilled" ? [i] : []);
      equal(won.length, 1, "number of batches that won");
      for (const result of results) {
        if (result.status === "rejected") {
          instanceOf(result.reason, ConflictError, "a losing batch's rejection");
        }
      }
      deepEqual(await log.range(), { earliest: 0, latest: 1 }, "range()");
      deepEqual((await log.read(1)).data, record(won[0]! + 10), "read(1).data");
    },
  );

  define("`writeBatch()` writes nothing when one record is invalid", async (ctx) => {
    const log = await ctx.log({ maxRecordSize: 8 });
    await log.write(bytes(1));
    const invalid: [unknown, new (...args: never[]) => Error][] = [
      [new Uint8Array(0), RangeError],
      [new Uint8Array(9), RecordTooLargeError],
      ["abc", TypeError],
      [undefined, TypeError],
    ];
    for (const [bad, type] of invalid) {
      for (const at of [0, 2]) {
        const records: unknown[] = [bytes(2), bytes(3)];
        records.splice(at, 0, bad);
        await rejects(() => log.writeBatch(unsafe(records)), type);
      }
    }
    deepEqual(await log.range(), { earliest: 0, latest: 0 }, "range()");
    deepEqual(await log.journal.bounds(), { begin: 0, end: 1 }, "journal.bounds()");
    equal(await log.writeBatch([bytes(4)]), 1, "offset of the next batch");
  });

  define(
    "`writeBatch()` rejects RangeError for an empty batch and TypeError for a non-array",
    async (ctx) => {
      const log = await ctx.log();
      await rejects(() => log.writeBatch([]), RangeError);
      for (const value of [bytes(1), "abc", null, undefined, { length: 1, 0: bytes(1) }]) {
        await rejects(() => log.writeBatch(unsafe(value)), TypeError);
      }
      equal(await log.write(bytes(1)), 0, "offset of the next write");
    },
  );

  define("`writeBatch()` keeps its records together among concurrent writes", async (ctx) => {
    const log = await ctx.log();
    const calls: Promise<[number, Uint8Array[]]>[] = [];
    for (let i = 0; i < 20; i++) {
      const records = Array.from({ length: 1 + (i % 4) }, (_, k) => record(i * 10 + k));
      calls.push(
        (i % 2 === 0 ? log.write(records[0]!) : log.writeBatch(records)).then((offset) => [
          offset,
          i % 2 === 0 ? [records[0]!] : records,
        ]),
      );
    }
    const results = await Promise.all(calls);
    const taken = new Set<number>();
    let total = 0;
    for (const [first, records] of results) {
      for (let k = 0; k < records.length; k++) {
        ok(!taken.has(first + k), `Expected offset "${first + k}" to be given out once`);
        taken.add(first + k);
        deepEqual((await log.read(first + k)).data, records[k], `read(${first + k}).data`);
      }
      total += records.length;
    }
    deepEqual(await log.range(), { earliest: 0, latest: total - 1 }, "range()");
  });

  define(
    "`writeBatch()` copies the records: mutating them afterwards changes nothing stored",
    async (ctx) => {
      const log = await ctx.log();
      const records = [bytes(1, 2), bytes(3, 4)];
      await log.writeBatch(records);
      for (const r of records) r.fill(0);
      deepEqual((await log.read(0)).data, bytes(1, 2), "read(0).data");
      deepEqual(await log.journal.get(1), bytes(3, 4), "journal.get(1)");
    },
  );
}

function defineRead(define: Define): void {
  define("`read()` resolves the record with its offset, created time and data", async (ctx) => {
    const time = Date.UTC(2026, 2, 3);
    const log = await ctx.log({ startOffset: 2, clock: () => new Date(time) });
    await writeAll(log, 3);
    const got = await log.read(3);
    equal(got.offset, 3, "offset");
    instanceOf(got.created, Date, "created");
    equal(got.created.getTime(), time, "created");
    instanceOf(got.data, Uint8Array, "data");
    deepEqual(got.data, record(1), "data");
  });

  define(
    "`read()` rejects FutureOffsetError carrying the offset at or past the next offset",
    async (ctx) => {
      const log = await ctx.log();
      await rejects(() => log.read(0), FutureOffsetError, (e) => equal(e.offset, 0, "offset"));
      await writeAll(log, 3);
      for (const offset of [3, 4, 1000, Number.MAX_SAFE_INTEGER]) {
        await rejects(() => log.read(offset), FutureOffsetError, (e) => {
          equal(e.offset, offset, "offset");
          assertQuotes(e, offset);
        });
      }
    },
  );

  define(
    "`read()` rejects OutOfRangeError carrying the offset for a negative offset",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 2);
      for (const offset of [-1, -2, Number.MIN_SAFE_INTEGER]) {
        await rejects(() => log.read(offset), OutOfRangeError, (e) => {
          equal(e.offset, offset, "offset");
          assertQuotes(e, offset);
        });
      }
    },
  );

  define("`read()` rejects OutOfRangeError below the start offset", async (ctx) => {
    const log = await ctx.log({ startOffset: 10 });
    await rejects(() => log.read(3), OutOfRangeError, (e) => equal(e.offset, 3, "offset"));
    await writeAll(log, 2);
    for (const offset of [0, 9]) {
      await rejects(
        () => log.read(offset),
        OutOfRangeError,
        (e) => equal(e.offset, offset, "offset"),
      );
    }
  });

  define("`read()` rejects OutOfRangeError for a purged offset", async (ctx) => {
    const log = await ctx.log({ maxSegmentSize: 2 });
    await writeAll(log, 5); // n = 5, S = 2: earliest = 2 * (floor(4 / 2) - 1) = 2
    for (const offset of [0, 1]) {
      await rejects(
        () => log.read(offset),
        OutOfRangeError,
        (e) => equal(e.offset, offset, "offset"),
      );
    }
    deepEqual((await log.read(2)).data, record(2), "read(2).data");
  });

  define("`read()` rejects RangeError for an offset that is not an integer", async (ctx) => {
    const log = await ctx.log();
    await writeAll(log, 2);
    for (const offset of NOT_INTEGERS) {
      await rejects(() => log.read(offset), RangeError, (e) => assertQuotes(e, offset));
    }
  });

  define("`read()` rejects TypeError for an offset that is not a number", async (ctx) => {
    const log = await ctx.log();
    await writeAll(log, 2);
    for (const offset of [...NOT_NUMBERS, undefined]) {
      await rejects(() => log.read(unsafe(offset)), TypeError);
    }
  });

  define("`read()` returns a copy: mutating it changes nothing stored", async (ctx) => {
    const log = await ctx.log();
    await log.write(bytes(1, 2, 3));
    await log.write(bytes(4, 5, 6));
    const first = await log.read(0);
    first.data.fill(0);
    new Uint8Array(first.data.buffer).fill(0);
    deepEqual((await log.read(0)).data, bytes(1, 2, 3), "read(0).data");
    deepEqual((await log.read(1)).data, bytes(4, 5, 6), "read(1).data");
    deepEqual(await log.journal.get(0), bytes(1, 2, 3), "journal.get(0)");
  });
}

function defineReadBatch(define: Define): void {
  define(
    "`readBatch()` fills the batch with consecutive records and resolves the count",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 5 });
      const records = await writeAll(log, 10);
      const batch = new Array<LogRecord>(4);
      equal(await log.readBatch(7, batch), 4, "count");
      batch.forEach((r, i) => {
        equal(r.offset, 7 + i, `batch[${i}].offset`);
        deepEqual(r.data, records[2 + i], `batch[${i}].data`);
        instanceOf(r.created, Date, `batch[${i}].created`);
      });
    },
  );

  define(
    "`readBatch()` resolves a short count at the end of the log and leaves slots past it untouched",
    async (ctx) => {
      const log = await ctx.log();
      const records = await writeAll(log, 5);
      const sentinel: LogRecord = { offset: -7, created: new Date(0), data: bytes(255) };
      const batch = new Array<LogRecord>(8).fill(sentinel);
      equal(await log.readBatch(2, batch), 3, "count");
      for (let i = 0; i < 3; i++) deepEqual(batch[i]!.data, records[2 + i], `batch[${i}].data`);
      for (let i = 3; i < 8; i++) equal(batch[i], sentinel, `batch[${i}]`);
      const holes = new Array<LogRecord>(4);
      equal(await log.readBatch(4, holes), 1, "count from the last record");
      equal(holes.length, 4, "batch.length");
      ok(!(1 in holes), "Expected the slots past count to stay empty");
    },
  );

  define(
    "`readBatch()` with an empty batch resolves 0 without checking the offset",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 3 });
      for (const offset of [0, 3, 4, 100, -1, 1.5, NaN, Infinity]) {
        equal(await log.readBatch(offset, []), 0, `readBatch(${offset}, [])`);
      }
      await writeAll(log, 2);
      for (const offset of [3, 5, 100, -1, 1.5]) {
        equal(await log.readBatch(offset, []), 0, `readBatch(${offset}, [])`);
      }
    },
  );

  define(
    "`readBatch()` rejects FutureOffsetError when offset is at or past the end",
    async (ctx) => {
      const log = await ctx.log();
      const batch = new Array<LogRecord>(3);
      await rejects(
        () => log.readBatch(0, batch),
        FutureOffsetError,
        (e) => equal(e.offset, 0, "offset"),
      );
      await writeAll(log, 2);
      for (const offset of [2, 3, Number.MAX_SAFE_INTEGER]) {
        await rejects(
          () => log.readBatch(offset, batch),
          FutureOffsetError,
          (e) => {
            equal(e.offset, offset, "offset");
          },
        );
      }
      deepEqual(batch, new Array<LogRecord>(3), "batch after the rejections");
    },
  );

  define(
    "`readBatch()` rejects OutOfRangeError when offset is negative, below the start or purged",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 4, maxSegmentSize: 1 });
      await writeAll(log, 4); // n = 4, S = 1: earliest = 4 + (3 - 1) = 6
      const batch = new Array<LogRecord>(2);
      for (const offset of [-1, 0, 3, 4, 5]) {
        await rejects(() => log.readBatch(offset, batch), OutOfRangeError, (e) => {
          equal(e.offset, offset, "offset");
        });
      }
      equal(await log.readBatch(6, batch), 2, "count from the earliest offset");
    },
  );

  define(
    "`readBatch()` rejects RangeError for a non-integer offset and TypeError for a non-array batch",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 2);
      for (const offset of NOT_INTEGERS) {
        await rejects(() => log.readBatch(offset, new Array<LogRecord>(1)), RangeError);
      }
      await rejects(() => log.readBatch(unsafe("0"), new Array<LogRecord>(1)), TypeError);
      for (const batch of [null, "abc", { length: 2 }]) {
        await rejects(() => log.readBatch(0, unsafe(batch)), TypeError);
      }
    },
  );

  define("`readBatch()` returns copies: mutating them changes nothing stored", async (ctx) => {
    const log = await ctx.log();
    await log.write(bytes(1, 2));
    await log.write(bytes(3, 4));
    const batch = new Array<LogRecord>(2);
    await log.readBatch(0, batch);
    for (const r of batch) {
      r.data.fill(0);
      new Uint8Array(r.data.buffer).fill(0);
    }
    await log.readBatch(0, batch);
    deepEqual(batch.map((r) => r.data), [bytes(1, 2), bytes(3, 4)], "data read again");
  });
}

function defineRange(define: Define): void {
  define("`range()` resolves { earliest: -1, latest: -1 } for an empty log", async (ctx) => {
    deepEqual(await (await ctx.log()).range(), { earliest: -1, latest: -1 }, "range()");
    const later = await ctx.log({ startOffset: 9 });
    deepEqual(await later.range(), { earliest: -1, latest: -1 }, "range() with startOffset 9");
  });

  define("`range()` resolves the inclusive earliest and latest available offsets", async (ctx) => {
    const log = await ctx.log({ startOffset: 9 });
    await log.write(bytes(1));
    deepEqual(await log.range(), { earliest: 9, latest: 9 }, "range() after one write");
    await writeAll(log, 3);
    deepEqual(await log.range(), { earliest: 9, latest: 12 }, "range() after four writes");
  });
}

function defineRetention(define: Define): void {
  define(
    "Retention keeps earliest = start + S * (floor((n - 1) / S) - 1) and latest = start + n - 1 for every n > S",
    async (ctx) => {
      for (const size of [1, 2, 3, 5]) {
        for (const start of [0, 7]) {
          const log = await ctx.log({ startOffset: start, maxSegmentSize: size });
          for (let n = 1; n <= 4 * size + 3; n++) {
            await log.write(record(n));
            const earliest = expectedEarliest(start, size, n);
            await checkWindow(
              log,
              earliest,
              start + n - 1,
              `for S = ${size}, start = ${start}, n = ${n}`,
            );
          }
        }
      }
    },
  );

  define("Retention applies the same formula to records written in batches", async (ctx) => {
    for (const size of [2, 3]) {
      const log = await ctx.log({ startOffset: 1, maxSegmentSize: size });
      let n = 0;
      for (const count of [1, 4, 2, 7, 1, 3]) {
        await log.writeBatch(Array.from({ length: count }, (_, i) => record(n + i)));
        n += count;
        await checkWindow(log, expectedEarliest(1, size, n), n, `for S = ${size}, n = ${n}`);
      }
    }
  });

  define("Before the first rotation the log holds at most maxSegmentSize records", async (ctx) => {
    const log = await ctx.log({ startOffset: 3, maxSegmentSize: 4 });
    for (let n = 1; n <= 4; n++) {
      await log.write(record(n));
      const { earliest, latest } = await log.range();
      equal(earliest, 3, `earliest after ${n} writes`);
      equal(latest - earliest + 1, n, `records held after ${n} writes`);
    }
  });

  define("Right after the first rotation earliest is still the start offset", async (ctx) => {
    const log = await ctx.log({ startOffset: 3, maxSegmentSize: 4 });
    await writeAll(log, 5);
    await checkWindow(log, 3, 7, "after S + 1 writes");
  });

  define("Writing record number 2S + 1 drops the oldest S at once", async (ctx) => {
    const log = await ctx.log({ startOffset: 3, maxSegmentSize: 4 });
    await writeAll(log, 8);
    await checkWindow(log, 3, 10, "after 2S writes");
    await log.write(record(8));
    await checkWindow(log, 7, 11, "after 2S + 1 writes");
    for (const offset of [3, 4, 5, 6]) await rejects(() => log.read(offset), OutOfRangeError);
  });

  define("`maxSegmentSize` defaults to 1024 records", async (ctx) => {
    const log = await ctx.log();
    await log.writeBatch(Array.from({ length: 2048 }, (_, i) => record(i)));
    deepEqual(await log.range(), { earliest: 0, latest: 2047 }, "range() after 2048 records");
    await log.write(record(2048));
    deepEqual(await log.range(), { earliest: 1024, latest: 2048 }, "range() after 2049 records");
  });

  define("`maxSegmentSize` Infinity keeps every record", async (ctx) => {
    const log = await ctx.log({ maxSegmentSize: Infinity, startOffset: 2 });
    await log.writeBatch(Array.from({ length: 2500 }, (_, i) => record(i)));
    await writeAll(log, 5, 2500);
    await checkWindow(log, 2, 2506, "after 2505 records");
    deepEqual((await log.read(2)).data, record(0), "read(2).data");
  });
}

function defineConstructor(define: Define): void {
  const invalid: [string, unknown[], unknown[]][] = [
    ["startOffset", [-1, ...NOT_INTEGERS], [...NOT_NUMBERS]],
    ["maxSegmentSize", [0, -1, 1.5, NaN, -Infinity], [...NOT_NUMBERS]],
    ["maxRecordSize", [0, -1, 1.5, NaN, Infinity, -Infinity], [...NOT_NUMBERS]],
  ];
  for (const [option, ranges, types] of invalid) {
    define(
      `\`new Log()\` throws RangeError synchronously for an invalid ${option} and TypeError for a non-number`,
      async (ctx) => {
        const journal = await ctx.journal();
        for (const value of ranges) {
          throws(() => new Log({ journal, [option]: value }), RangeError, (e) => {
            ok(e.message.includes(option), `Expected the message "${e.message}" to name ${option}`);
          });
        }
        for (const value of types) throws(() => new Log({ journal, [option]: value }), TypeError);
        // The journal is still fresh and usable: a valid Log over it starts at its start.
        equal(await new Log({ journal }).write(bytes(1)), 0, "offset of the first write");
      },
    );
  }

  define("`new Log()` accepts maxSegmentSize Infinity and large integers", async (ctx) => {
    const log = await ctx.log({ maxSegmentSize: Infinity, maxRecordSize: 2 ** 40 });
    equal(log.maxSegmentSize, Infinity, "maxSegmentSize");
    equal(await log.write(bytes(1)), 0, "offset");
    await ctx.log({ startOffset: Number.MAX_SAFE_INTEGER - 10, maxSegmentSize: 1 });
  });

  define(
    "`new Log()` throws TypeError synchronously for a clock or journal of the wrong type",
    async (ctx) => {
      const journal = await ctx.journal();
      for (const clock of ["now", 1, {}, null]) {
        throws(() => new Log({ journal, clock: unsafe(clock) }), TypeError);
      }
      for (const other of ["journal", 1, {}, { bounds: () => {} }]) {
        throws(() => new Log({ journal: unsafe(other) }), TypeError);
      }
    },
  );
}

function defineStream(define: Define): void {
  define("`stream()` yields records in order from start", async (ctx) => {
    const log = await ctx.log({ startOffset: 2 });
    const records = await writeAll(log, 200);
    const stream = log.stream(5, { signal: ctx.controller().signal });
    for (let offset = 5; offset < 202; offset++) {
      const { done, value } = await stream.next();
      equal(done, false, "done");
      equal(value?.offset, offset, "offset");
      deepEqual(value?.data, records[offset - 2], `data of offset ${offset}`);
      instanceOf(value?.created, Date, "created");
    }
  });

  define("`stream()` from a future offset waits and is woken by a write", async (ctx) => {
    const log = await ctx.log();
    await log.write(record(0));
    const stream = log.stream(3, { signal: ctx.controller().signal });
    const next = track(stream.next());
    await settle();
    ok(!next.settled, "Expected next() to wait for offset 3");
    await log.write(record(1));
    await log.write(record(2));
    await settle();
    ok(!next.settled, "Expected next() to wait for offset 3 after offset 2 was written");
    await log.write(record(3));
    await settle();
    ok(next.settled, "Expected the write of offset 3 to wake next() without polling");
    const { value } = await next.promise;
    equal(value?.offset, 3, "offset");
    deepEqual(value?.data, record(3), "data");
  });

  define("`stream()` at the end is woken by each later write", async (ctx) => {
    const log = await ctx.log();
    const stream = log.stream(0, { signal: ctx.controller().signal });
    for (let i = 0; i < 5; i++) {
      const next = track(stream.next());
      await settle(1);
      ok(!next.settled, `Expected next() to wait for offset "${i}"`);
      if (i % 2 === 0) await log.write(record(i));
      else await log.writeBatch([record(i)]);
      const { value } = await next.promise;
      equal(value?.offset, i, "offset");
    }
  });

  define(
    "`stream()` yields each record once and in order to concurrent `next()` calls",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 3);
      const stream = log.stream(0, { signal: ctx.controller().signal });
      const pending = Array.from({ length: 6 }, () => stream.next());
      await writeAll(log, 3, 3);
      const offsets = (await Promise.all(pending)).map((r) => r.value?.offset);
      deepEqual(offsets, [0, 1, 2, 3, 4, 5], "offsets");
    },
  );

  define(
    "`stream()` `next()` rejects with the signal's reason once aborted while waiting",
    async (ctx) => {
      const log = await ctx.log();
      const controller = new AbortController();
      const stream = log.stream(0, { signal: controller.signal });
      const next = track(stream.next());
      await settle();
      ok(!next.settled, "Expected next() to wait");
      const reason = new Error("Stopped while waiting");
      controller.abort(reason);
      await rejectsWith(() => next.promise, reason);
      await rejectsWith(() => stream.next(), reason);
    },
  );

  define(
    "`stream()` `next()` rejects with the signal's reason once aborted, also when records are waiting",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 5);
      const controller = new AbortController();
      const stream = log.stream(0, { signal: controller.signal });
      equal((await stream.next()).value?.offset, 0, "offset of the first record");
      controller.abort();
      await rejectsWith(() => stream.next(), controller.signal.reason);
      await rejectsWith(() => stream.next(), controller.signal.reason);
    },
  );

  define(
    "`stream()` with an already aborted signal: `next()` rejects with its reason, even for an invalid start",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 2);
      const { signal, reason } = abortedSignal();
      for (const start of [0, 5, -1, 1.5, unsafe<number>("x")]) {
        await rejectsWith(() => log.stream(start, { signal }).next(), reason);
      }
    },
  );

  define("`stream()` serves many readers at once", async (ctx) => {
    const log = await ctx.log();
    const signal = ctx.controller().signal;
    await writeAll(log, 3);
    const readers = Array.from({ length: 10 }, async (_, r) => {
      const offsets: number[] = [];
      for await (const { offset } of log.stream(r % 4, { signal })) {
        offsets.push(offset);
        if (offset === 19) break;
      }
      return offsets;
    });
    await writeAll(log, 17, 3);
    const seen = await Promise.all(readers);
    seen.forEach((offsets, r) => {
      const first = r % 4;
      deepEqual(offsets, Array.from({ length: 20 - first }, (_, i) => first + i), `reader ${r}`);
    });
  });

  define(
    "`stream()` rejects OutOfRangeError when retention overtakes a slow reader",
    async (ctx) => {
      const log = await ctx.log({ maxSegmentSize: 2 });
      await writeAll(log, 2);
      const stream = log.stream(0, { signal: ctx.controller().signal });
      equal((await stream.next()).value?.offset, 0, "offset of the first record");
      await writeAll(log, 6, 2); // n = 8, S = 2: earliest = 4; the reader is at 1
      await rejects(() => stream.next(), OutOfRangeError, (e) => equal(e.offset, 1, "offset"));
    },
  );

  define(
    "`stream()` rejects OutOfRangeError for a negative start, a start below the start offset or a purged start",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 10, maxSegmentSize: 1 });
      const signal = ctx.controller().signal;
      await rejects(() => log.stream(-1, { signal }).next(), OutOfRangeError, (e) => {
        equal(e.offset, -1, "offset");
      });
      await rejects(() => log.stream(4, { signal }).next(), OutOfRangeError, (e) => {
        equal(e.offset, 4, "offset");
      });
      await writeAll(log, 4); // n = 4, S = 1: earliest = 12
      for (const start of [-5, 0, 9, 10, 11]) {
        await rejects(() => log.stream(start, { signal }).next(), OutOfRangeError, (e) => {
          equal(e.offset, start, "offset");
        });
      }
      equal((await log.stream(12, { signal }).next()).value?.offset, 12, "offset from earliest");
    },
  );

  define("`stream()` never throws synchronously, even for invalid arguments", async (ctx) => {
    const log = await ctx.log();
    await writeAll(log, 1);
    const invalid: [unknown, CallOptions | undefined, new (...args: never[]) => Error][] = [
      [1.5, undefined, RangeError],
      [NaN, undefined, RangeError],
      [Infinity, undefined, RangeError],
      ["0", undefined, TypeError],
      [undefined, undefined, TypeError],
      [null, undefined, TypeError],
      [-1, undefined, OutOfRangeError],
      [0, { signal: unsafe("signal") }, TypeError],
    ];
    for (const [start, opts, type] of invalid) {
      let stream: AsyncIterableIterator<LogRecord> | undefined;
      try {
        stream = log.stream(unsafe(start), opts);
      } catch (error) {
        fail(`Expected stream(${String(start)}) not to throw, got "${String(error)}"`);
      }
      await rejects(() => stream.next(), type);
    }
  });

  define("`stream()` yields copies: mutating them changes nothing stored", async (ctx) => {
    const log = await ctx.log();
    await log.write(bytes(1, 2));
    await log.write(bytes(3, 4));
    const signal = ctx.controller().signal;
    const stream = log.stream(0, { signal });
    for (let i = 0; i < 2; i++) {
      const { value } = await stream.next();
      value?.data.fill(0);
      if (value) new Uint8Array(value.data.buffer).fill(0);
    }
    const again = log.stream(0, { signal });
    deepEqual((await again.next()).value?.data, bytes(1, 2), "data of offset 0");
    deepEqual((await again.next()).value?.data, bytes(3, 4), "data of offset 1");
  });
}

function defineOverJournal(define: Define): void {
  define(
    "A Log's offsets are its journal's positions and `journal.get()` returns exactly the bytes written",
    async (ctx) => {
      const journal = await ctx.journal();
      const log = new Log({ journal, startOffset: 6 });
      const buffer = pattern(300);
      const written = [bytes(1), buffer.subarray(100, 103), pattern(256), pattern(5000)];
      const offsets: number[] = [];
      for (const data of written) offsets.push(await log.write(data));
      offsets.push(await log.writeBatch([bytes(7, 7), buffer.subarray(0, 1)]));
      offsets.push(offsets[offsets.length - 1]! + 1);
      written.push(bytes(7, 7), buffer.subarray(0, 1));
      deepEqual(offsets, [6, 7, 8, 9, 10, 11], "offsets");
      deepEqual(await journal.bounds(), { begin: 6, end: 12 }, "journal.bounds()");
      for (let i = 0; i < written.length; i++) {
        deepEqual(await journal.get(offsets[i]!), written[i], `journal.get(${offsets[i]})`);
      }
      const ranged: Uint8Array[] = [];
      await journal.range(6, (_pos, data) => void ranged.push(data));
      deepEqual(ranged, written, "records visited by journal.range(6)");
    },
  );

  define(
    "`startOffset` applies to a fresh journal: its first record is at startOffset",
    async (ctx) => {
      const journal = await ctx.journal();
      const log = new Log({ journal, startOffset: 42 });
      deepEqual(await log.range(), { earliest: -1, latest: -1 }, "range()");
      equal(await log.write(bytes(1)), 42, "offset of the first write");
      deepEqual(await journal.bounds(), { begin: 42, end: 43 }, "journal.bounds()");
      deepEqual(await journal.get(42), bytes(1), "journal.get(42)");
    },
  );

  define(
    "A journal that already holds records decides the offsets; the Log continues at its end",
    async (ctx) => {
      const journal = await ctx.journal();
      for (let pos = 0; pos < 3; pos++) await journal.append(pos, record(pos));
      const log = new Log({ journal, startOffset: 100 });
      deepEqual(await log.range(), { earliest: 0, latest: 2 }, "range()");
      deepEqual((await log.read(1)).data, record(1), "read(1).data");
      equal(await log.write(record(3)), 3, "offset of the first write");
      deepEqual(await journal.bounds(), { begin: 0, end: 4 }, "journal.bounds()");
    },
  );

  define("A journal truncated to empty still decides the offsets", async (ctx) => {
    const journal = await ctx.journal();
    for (let pos = 0; pos < 3; pos++) await journal.append(pos, record(pos));
    await journal.truncate(3);
    const log = new Log({ journal, startOffset: 1 });
    deepEqual(await log.range(), { earliest: -1, latest: -1 }, "range()");
    equal(await log.write(record(3)), 3, "offset of the first write");
    await rejects(() => log.read(2), OutOfRangeError);
  });

  define(
    "A new Log over the same journal resumes at its end and reads back what was written",
    async (ctx) => {
      const journal = await ctx.journal();
      const first = new Log({ journal, startOffset: 1000, maxSegmentSize: 4 });
      const records = await writeAll(first, 6);
      const checkpoint = (await first.range()).latest;
      equal(checkpoint, 1005, "the checkpointed offset");
      // Later, e.g. after a restart: a new Log over the same journal, whatever its startOffset.
      const resumed = new Log({ journal, startOffset: 0, maxSegmentSize: 4 });
      deepEqual((await resumed.read(checkpoint)).data, records[5], "read(checkpoint).data");
      equal(await resumed.write(record(6)), checkpoint + 1, "offset of the next write");
      const stream = resumed.stream(checkpoint, { signal: ctx.controller().signal });
      equal((await stream.next()).value?.offset, checkpoint, "offset streamed from the checkpoint");
      // Retention still counts from the first position: n = 9, S = 4 gives earliest 1004.
      await writeAll(resumed, 2, 7);
      await checkWindow(resumed, 1004, 1008, "after resuming");
    },
  );

  define(
    "The driver-level `readRecords()` shows each record's created time from the Log's clock",
    async (ctx) => {
      const journal = await ctx.journal();
      const log = new Log({ journal, clock: steppingClock(5_000), startOffset: 3 });
      await log.write(bytes(1));
      await log.writeBatch([bytes(2), bytes(3)]);
      const stored = journal.readRecords(3, 10);
      deepEqual(
        stored.map(({ position, created, data }) => ({ position, created, data })),
        [
          { position: 3, created: 5_000, data: bytes(1) },
          { position: 4, created: 5_001, data: bytes(2) },
          { position: 5, created: 5_001, data: bytes(3) },
        ],
        "readRecords(3, 10)",
      );
    },
  );

  define("Offsets past 2^32 work in every Log method", async (ctx) => {
    const start = HIGH_START;
    const log = await ctx.log({ startOffset: start, maxSegmentSize: 2 });
    equal(await log.write(bytes(1)), start, "offset of the first write");
    equal(await log.writeBatch([bytes(2), bytes(3)]), start + 1, "offset of the batch");
    deepEqual((await log.read(start + 2)).data, bytes(3), "read(start + 2).data");
    const batch = new Array<LogRecord>(5);
    equal(await log.readBatch(start, batch), 3, "readBatch count");
    equal(batch[2]?.offset, start + 2, "batch[2].offset");
    const stream = log.stream(start + 1, { signal: ctx.controller().signal });
    equal((await stream.next()).value?.offset, start + 1, "streamed offset");
    await log.write(bytes(4));
    await log.write(bytes(5)); // n = 5, S = 2: earliest = start + 2
    await checkWindow(log, start + 2, start + 4, "past 2^32");
    await rejects(() => log.read(start - 1), OutOfRangeError);
    await rejects(() => log.read(start - 2 ** 32), OutOfRangeError);
  });
}

type Method = [string, (log: Log, opts: CallOptions) => Promise<unknown>];

function defineGeneralRules(define: Define): void {
  // Each call would change the log or fail for another reason, were the signal not aborted.
  const calls: Method[] = [
    ["write(data)", (log, opts) => log.write(bytes(1), opts)],
    ["write(empty)", (log, opts) => log.write(new Uint8Array(0), opts)],
    ["write(too large)", (log, opts) => log.write(new Uint8Array(9), opts)],
    ["writeBatch(records)", (log, opts) => log.writeBatch([bytes(1)], opts)],
    ["writeBatch([])", (log, opts) => log.writeBatch([], opts)],
    [
      "writeBatch(records, conflict)",
      (log, opts) => log.writeBatch([bytes(1)], { ...opts, expectedOffset: 0 }),
    ],
    ["read(0)", (log, opts) => log.read(0, opts)],
    ["read(-1)", (log, opts) => log.read(-1, opts)],
    ["read(99)", (log, opts) => log.read(99, opts)],
    ["read(1.5)", (log, opts) => log.read(1.5, opts)],
    ["readBatch(0, batch)", (log, opts) => log.readBatch(0, new Array<LogRecord>(2), opts)],
    ["readBatch(99, batch)", (log, opts) => log.readBatch(99, new Array<LogRecord>(2), opts)],
    ["readBatch(0, [])", (log, opts) => log.readBatch(0, [], opts)],
    ["readBatch(0, null)", (log, opts) => log.readBatch(0, unsafe(null), opts)],
    ["range()", (log, opts) => log.range(opts)],
    ["stream(0).next()", (log, opts) => log.stream(0, opts).next()],
    ["stream(-1).next()", (log, opts) => log.stream(-1, opts).next()],
  ];

  define(
    "Every Log method with an already aborted signal rejects with its reason before any other check and changes nothing",
    async (ctx) => {
      const log = await ctx.log({ maxRecordSize: 8 });
      await writeAll(log, 2);
      const { signal, reason } = abortedSignal();
      for (const [what, call] of calls) {
        try {
          await rejectsWith(() => call(log, { signal }), reason);
        } catch (error) {
          fail(`Expected ${what} to reject with the reason: ${(error as Error).message}`);
        }
      }
      const plain = AbortSignal.abort();
      for (const [, call] of calls) {
        await rejectsWith(() => call(log, { signal: plain }), plain.reason);
      }
      deepEqual(await log.range(), { earliest: 0, latest: 1 }, "range()");
      equal(await log.write(bytes(1)), 2, "offset of the next write");
    },
  );

  define(
    "Every Log method with a signal that is not an AbortSignal rejects TypeError",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 2);
      const valid: Method[] = [
        ["write", (l, opts) => l.write(bytes(1), opts)],
        ["writeBatch", (l, opts) => l.writeBatch([bytes(1)], opts)],
        ["read", (l, opts) => l.read(0, opts)],
        ["readBatch", (l, opts) => l.readBatch(0, new Array<LogRecord>(1), opts)],
        ["range", (l, opts) => l.range(opts)],
      ];
      for (const signal of ["abort", {}, 1]) {
        for (const [, call] of valid) {
          await rejects(
            () => call(log, { signal: unsafe(signal) }),
            TypeError,
          );
        }
      }
      deepEqual(await log.range(), { earliest: 0, latest: 1 }, "range()");
    },
  );

  define("Every Log method with a live signal behaves as without one", async (ctx) => {
    const log = await ctx.log();
    const { signal } = new AbortController();
    equal(await log.write(bytes(1), { signal }), 0, "write()");
    equal(await log.writeBatch([bytes(2)], { signal }), 1, "writeBatch()");
    equal((await log.read(1, { signal })).offset, 1, "read().offset");
    equal(await log.readBatch(0, new Array<LogRecord>(5), { signal }), 2, "readBatch()");
    deepEqual(await log.range({ signal }), { earliest: 0, latest: 1 }, "range()");
    const stream = log.stream(1, { signal: ctx.controller().signal });
    equal((await stream.next()).value?.offset, 1, "stream().next()");
  });

  define("Every Log method returns a Promise, also when it fails", async (ctx) => {
    const log = await ctx.log({ maxRecordSize: 4 });
    const failing: [string, () => unknown][] = [
      ["write(empty)", () => log.write(new Uint8Array(0))],
      ['write("x")', () => log.write(unsafe("x"))],
      ["write(too large)", () => log.write(new Uint8Array(5))],
      ["writeBatch(null)", () => log.writeBatch(unsafe(null))],
      ["writeBatch([], expectedOffset: -1)", () => log.writeBatch([], { expectedOffset: -1 })],
      ["read(NaN)", () => log.read(NaN)],
      ['read("x")', () => log.read(unsafe("x"))],
      ["read(0)", () => log.read(0)],
      ["readBatch(0, null)", () => log.readBatch(0, unsafe(null))],
      ["readBatch(-1, batch)", () => log.readBatch(-1, new Array<LogRecord>(1))],
      ["range()", () => log.range()],
    ];
    for (const [what, call] of failing) {
      let result: unknown;
      try {
        result = call();
      } catch (error) {
        fail(`Expected ${what} to return a Promise, but it threw "${String(error)}"`);
      }
      instanceOf(result, Promise, what);
      await (result as Promise<unknown>).catch(() => {});
    }
  });
}

/** X and Y are the same type, readonly modifiers included. */
type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true
  : false;
/** Whether property K of T is readonly. */
type IsReadonly<T, K extends keyof T> = Equals<Pick<T, K>, Readonly<Pick<T, K>>>;

/** Fails to compile when `code` of any of these error classes becomes writable. */
const CODE_IS_READONLY: readonly true[] = [
  true satisfies IsReadonly<RecordTooLargeError, "code">,
  true satisfies IsReadonly<FutureOffsetError, "code">,
  true satisfies IsReadonly<OutOfRangeError, "code">,
];

function defineErrors(define: Define): void {
  const family = (error: LogError, type: string, code: string, base: object) => {
    instanceOf(error, LogError, "the error");
    instanceOf(error, Error, "the error");
    equal(error.code, code, "code");
    equal(typeof error.code, "string", "typeof code");
    equal(error.name, type, "name");
    equal(Object.getPrototypeOf(base), LogError.prototype, `prototype of ${type}.prototype`);
    ok(CODE_IS_READONLY.every((readonly) => readonly), "Expected every code to be readonly");
  };

  define(
    '`RecordTooLargeError` is a LogError with code "RECORD_TOO_LARGE", its name, size and limit',
    async (ctx) => {
      const log = await ctx.log({ maxRecordSize: 3 });
      await rejects(() => log.write(new Uint8Array(4)), RecordTooLargeError, (e) => {
        family(e, "RecordTooLargeError", "RECORD_TOO_LARGE", RecordTooLargeError.prototype);
        equal(e.size, 4, "size");
        equal(e.limit, 3, "limit");
      });
    },
  );

  define(
    '`FutureOffsetError` is a LogError with code "FUTURE_OFFSET", its name and the offset',
    async (ctx) => {
      const log = await ctx.log();
      await rejects(() => log.read(8), FutureOffsetError, (e) => {
        family(e, "FutureOffsetError", "FUTURE_OFFSET", FutureOffsetError.prototype);
        equal(e.offset, 8, "offset");
      });
    },
  );

  define(
    '`OutOfRangeError` is a LogError with code "OUT_OF_RANGE", its name and the offset',
    async (ctx) => {
      const log = await ctx.log({ startOffset: 4 });
      await log.write(bytes(1));
      await rejects(() => log.read(2), OutOfRangeError, (e) => {
        family(e, "OutOfRangeError", "OUT_OF_RANGE", OutOfRangeError.prototype);
        equal(e.offset, 2, "offset");
      });
    },
  );
}
