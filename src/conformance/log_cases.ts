/**
 * The conformance cases of the Log contract over a storage driver: every sentence of
 * the design's Log section, its general rules and the errors a log reports.
 *
 * @module
 */
import {
  ClosedError,
  ConflictError,
  FutureOffsetError,
  LogError,
  OutOfRangeError,
  RecordTooLargeError,
} from "../core/errors.ts";
import type { CallOptions } from "../core/journal.ts";
import { Log, type LogRecord } from "../core/log.ts";
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
import { defineTimeCases } from "./time_cases.ts";
import {
  type CaseOptions,
  type ConformanceCase,
  type DraftCase,
  type LogHarness,
  select,
} from "./suite.ts";
import type { Body, Context, Define } from "./log_context.ts";
import { defineProducers } from "./producer_cases.ts";
import { defineSync } from "./sync_cases.ts";

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
  defineExpectedOffset(define);
  defineWriteBatch(define);
  defineRead(define);
  defineReadBatch(define);
  defineReadBatchBytes(define);
  defineRange(define);
  defineBounds(define);
  defineRetention(define);
  defineTimeCases(define);
  defineTruncate(define);
  defineConstructor(define);
  defineStream(define);
  defineOverJournal(define);
  defineGeneralRules(define);
  defineErrors(define);
  defineProducers(define);
  defineSync(define);
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

/** `size` bytes, each `i`: a record whose size a case chooses. */
function sized(i: number, size: number): Uint8Array {
  return new Uint8Array(size).fill(i & 0xff);
}

/** The records of `batch[0..count)` as plain values, to compare two reads. */
function filled(batch: LogRecord[], count: number) {
  return batch.slice(0, count).map(({ offset, created, data }) => ({ offset, created, data }));
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

function defineExpectedOffset(define: Define): void {
  define("`write()` with expectedOffset resolves when it is the next offset", async (ctx) => {
    const log = await ctx.log({ startOffset: 10 });
    equal(await log.write(bytes(1), { expectedOffset: 10 }), 10, "offset of the first write");
    equal(await log.write(bytes(2), { expectedOffset: 11 }), 11, "offset of the second write");
    await log.writeBatch([bytes(3), bytes(4)]);
    equal(await log.write(bytes(5), { expectedOffset: 14 }), 14, "offset after a batch");
    deepEqual(await log.range(), { earliest: 10, latest: 14 }, "range()");
    deepEqual((await log.read(14)).data, bytes(5), "read(14).data");
  });

  define(
    "`write()` rejects ConflictError carrying expectedOffset and quoting the next offset when expectedOffset is below it",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 5 });
      await writeAll(log, 3);
      for (const expectedOffset of [7, 5, 0]) {
        await rejects(() => log.write(bytes(9), { expectedOffset }), ConflictError, (e) => {
          equal(e.position, expectedOffset, "position");
          assertQuotes(e, expectedOffset);
          assertQuotes(e, 8);
        });
      }
      deepEqual(await log.range(), { earliest: 5, latest: 7 }, "range()");
      equal(await log.write(bytes(1)), 8, "offset of the next write");
    },
  );

  define(
    "`write()` rejects RangeError when expectedOffset is above the next offset",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 2);
      for (const expectedOffset of [3, 1000, Number.MAX_SAFE_INTEGER]) {
        await rejects(
          () => log.write(bytes(9), { expectedOffset }),
          RangeError,
          (e) => assertQuotes(e, expectedOffset),
        );
      }
      deepEqual(await log.range(), { earliest: 0, latest: 1 }, "range()");
      equal(await log.write(bytes(1), { expectedOffset: 2 }), 2, "offset of the next write");
    },
  );

  define(
    "`write()` rejects RangeError for an expectedOffset that is not a non-negative integer",
    async (ctx) => {
      const log = await ctx.log();
      for (const expectedOffset of [...NOT_INTEGERS, -1]) {
        await rejects(() => log.write(bytes(9), { expectedOffset }), RangeError);
      }
      for (const expectedOffset of NOT_NUMBERS) {
        await rejects(
          () => log.write(bytes(9), { expectedOffset: unsafe(expectedOffset) }),
          TypeError,
        );
      }
      deepEqual(await log.range(), { earliest: -1, latest: -1 }, "range()");
      equal(await log.write(bytes(1)), 0, "offset of the next write");
    },
  );

  define(
    "`write()` checks expectedOffset against the writes issued before it in the same turn",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 3 });
      await log.write(record(0));
      // Issued without an await in between: a coalescing driver gathers them in one commit.
      const calls: Promise<number>[] = [
        log.write(record(1), { expectedOffset: 4 }),
        log.write(record(2)),
        log.write(record(3), { expectedOffset: 6 }),
        log.write(record(4), { expectedOffset: 6 }),
        log.write(record(5), { expectedOffset: 8 }),
        log.writeBatch([record(6), record(7)], { expectedOffset: 7 }),
        log.write(record(8), { expectedOffset: 9 }),
        log.write(record(9), { expectedOffset: 3 }),
      ];
      const results = await Promise.allSettled(calls);
      const outcome = (i: number) => {
        const result = results[i]!;
        return result.status === "fulfilled" ? result.value : result.reason;
      };
      equal(outcome(0), 4, "offset of write 0 (expected 4)");
      equal(outcome(1), 5, "offset of write 1 (no expectedOffset)");
      equal(outcome(2), 6, "offset of write 2 (expected 6)");
      instanceOf(outcome(3), ConflictError, "rejection of write 3 (expected 6, taken)");
      equal((outcome(3) as ConflictError).position, 6, "position of the conflict");
      // The end after the write that took offset 6, gathered or committed: where a retry
      // can append.
      equal((outcome(3) as ConflictError).end, 7, "end of the conflict");
      assertQuotes(outcome(3), 7);
      instanceOf(outcome(4), RangeError, "rejection of write 4 (expected 8, next is 7)");
      equal(outcome(5), 7, "offset of the batch (expected 7)");
      equal(outcome(6), 9, "offset of write 6 (expected 9)");
      instanceOf(outcome(7), ConflictError, "rejection of write 7 (expected 3)");
      deepEqual(log.boundsSync(), { begin: 3, end: 10 }, "boundsSync()");
      const batch = new Array<LogRecord>(10);
      equal(await log.readBatch(3, batch), 7, "records stored");
      deepEqual(
        batch.slice(0, 7).map((r) => r.data),
        [0, 1, 2, 3, 6, 7, 8].map(record),
        "the records stored, in order",
      );
    },
  );

  define(
    "`write()` lets exactly one of concurrent writes with one expectedOffset win",
    async (ctx) => {
      const log = await ctx.log();
      await log.write(record(9));
      const results = await Promise.allSettled(
        [0, 1, 2].map((i) => log.write(record(i), { expectedOffset: 1 })),
      );
      const won = results.flatMap((r, i) => r.status === "fulfilled" ? [i] : []);
      equal(won.length, 1, "number of writes that won");
      for (const result of results) {
        if (result.status === "rejected") {
          instanceOf(result.reason, ConflictError, "a losing write's rejection");
        }
      }
      deepEqual(await log.range(), { earliest: 0, latest: 1 }, "range()");
      deepEqual((await log.read(1)).data, record(won[0]!), "read(1).data");
    },
  );
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

function defineReadBatchBytes(define: Define): void {
  define(
    "`readBatch()` with maxBytes stops once the records read hold maxBytes or more, the record that crosses it included",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 2 });
      for (let i = 0; i < 5; i++) await log.write(sized(i, 10));
      const batch = new Array<LogRecord>(5);
      const expected: [number, number][] = [
        [1, 1],
        [9, 1],
        [10, 1],
        [11, 2],
        [20, 2],
        [29, 3],
        [30, 3],
        [31, 4],
        [50, 5],
        [1000, 5],
        [Infinity, 5],
      ];
      for (const [maxBytes, count] of expected) {
        const what = `readBatch(2, 5 slots, { maxBytes: ${maxBytes} })`;
        equal(await log.readBatch(2, batch, { maxBytes }), count, what);
        for (let k = 0; k < count; k++) {
          equal(batch[k]!.offset, 2 + k, `batch[${k}].offset of ${what}`);
          deepEqual(batch[k]!.data, sized(k, 10), `batch[${k}].data of ${what}`);
        }
        equal(log.readBatchSync(2, batch, { maxBytes }), count, `the same with readBatchSync()`);
      }
      equal(await log.readBatch(4, batch, { maxBytes: 15 }), 2, "count from offset 4");
      equal(batch[1]!.offset, 5, "batch[1].offset from offset 4");
    },
  );

  define(
    "`readBatch()` with maxBytes reads one record when it alone holds more than maxBytes",
    async (ctx) => {
      const log = await ctx.log();
      const huge = pattern(1048576);
      await log.write(bytes(1));
      await log.write(huge);
      await log.write(bytes(2));
      const batch = new Array<LogRecord>(3);
      equal(await log.readBatch(1, batch, { maxBytes: 1 }), 1, "count with maxBytes 1");
      deepEqual(batch[0]!.data, huge, "batch[0].data");
      equal(await log.readBatch(1, batch, { maxBytes: 1048575 }), 1, "count below its size");
      equal(await log.readBatch(1, batch, { maxBytes: 1048576 }), 1, "count at its size");
      equal(await log.readBatch(1, batch, { maxBytes: 1048577 }), 2, "count above its size");
      equal(await log.readBatch(0, batch, { maxBytes: 1 }), 1, "count from the small record");
      equal(await log.readBatch(0, batch, { maxBytes: 2 }), 2, "count crossing into it");
      deepEqual(batch[1]!.data, huge, "batch[1].data");
      equal(log.readBatchSync(0, batch, { maxBytes: 2 }), 2, "count of readBatchSync()");
    },
  );

  define(
    "`readBatch()` with maxBytes stops at the batch length or the end of the log and leaves slots past the count untouched",
    async (ctx) => {
      const log = await ctx.log();
      for (let i = 0; i < 5; i++) await log.write(sized(i, 3));
      const sentinel: LogRecord = { offset: -7, created: new Date(0), data: bytes(255) };
      const check = async (offset: number, length: number, maxBytes: number, count: number) => {
        const batch = new Array<LogRecord>(length).fill(sentinel);
        const what = `readBatch(${offset}, ${length} slots, { maxBytes: ${maxBytes} })`;
        equal(await log.readBatch(offset, batch, { maxBytes }), count, what);
        for (let k = 0; k < count; k++) equal(batch[k]!.offset, offset + k, `batch[${k}].offset`);
        for (let k = count; k < length; k++) equal(batch[k], sentinel, `batch[${k}] of ${what}`);
      };
      await check(0, 2, 1000, 2); // the batch length is reached first
      await check(0, 8, 1000, 5); // the end of the log
      await check(3, 8, 1000, 2);
      await check(0, 8, 6, 2); // the bytes
      await check(0, 8, 7, 3);
      await check(4, 1, 1, 1);
    },
  );

  define(
    "`readBatch()` with maxBytes reads batches of more than 16 records whole and in order",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 7 });
      const records = await writeAll(log, 100);
      const batch = new Array<LogRecord>(80);
      const checkBatch = (from: number, count: number, what: string) => {
        for (let k = 0; k < count; k++) {
          equal(batch[k]!.offset, 7 + from + k, `batch[${k}].offset of ${what}`);
          deepEqual(batch[k]!.data, records[from + k], `batch[${k}].data of ${what}`);
        }
      };
      equal(await log.readBatch(7, batch, { maxBytes: 1_000_000 }), 80, "count of 80 slots");
      checkBatch(0, 80, "readBatch(7, 80 slots)");
      for (const from of [0, 5, 20]) {
        for (const stop of [1, 15, 16, 17, 32, 33, 40, 48, 79]) {
          const maxBytes = records.slice(from, from + stop).reduce((n, r) => n + r.byteLength, 0);
          const what = `readBatch(${7 + from}, 80 slots, { maxBytes: ${maxBytes} })`;
          equal(await log.readBatch(7 + from, batch, { maxBytes }), stop, what);
          checkBatch(from, stop, what);
          equal(
            await log.readBatch(7 + from, batch, { maxBytes: maxBytes + 1 }),
            Math.min(stop + 1, 80),
            `${what} + 1 byte`,
          );
          checkBatch(from, Math.min(stop + 1, 80), `${what} + 1 byte`);
        }
      }
      equal(await log.readBatch(97, batch, { maxBytes: 1_000_000 }), 10, "count to the end");
      checkBatch(90, 10, "readBatch(97, 80 slots)");
    },
  );

  define(
    "`readBatch()` and `readBatchSync()` read the same records and report the same errors",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 2, maxSegmentSize: 4 });
      await writeAll(log, 13); // n = 13, S = 4: earliest = 2 + 4 * (3 - 1) = 10
      for (const offset of [-1, 0, 2, 9, 10, 11, 14, 15, 16, 1.5]) {
        for (const length of [0, 1, 3, 20]) {
          for (const maxBytes of [undefined, Infinity, 1, 4, 7, 0]) {
            const opts = maxBytes === undefined ? {} : { maxBytes };
            const what = `(${offset}, ${length} slots, ${JSON.stringify(opts)})`;
            let expected: { count: number } | { error: unknown };
            try {
              expected = { count: log.readBatchSync(offset, new Array<LogRecord>(length), opts) };
            } catch (error) {
              expected = { error };
            }
            if ("error" in expected) {
              const { error } = expected;
              ok(error instanceof Error, `Expected readBatchSync${what} to throw an Error`);
              await rejects(
                () => log.readBatch(offset, new Array<LogRecord>(length), opts),
                error.constructor as new () => Error,
                (e) => equal(e.message, error.message, `message of readBatch${what}`),
              );
              continue;
            }
            const syncBatch = new Array<LogRecord>(length);
            const asyncBatch = new Array<LogRecord>(length);
            const count = log.readBatchSync(offset, syncBatch, opts);
            equal(
              await log.readBatch(offset, asyncBatch, opts),
              count,
              `count of readBatch${what}`,
            );
            deepEqual(filled(asyncBatch, count), filled(syncBatch, count), `records of ${what}`);
          }
        }
      }
    },
  );

  define(
    "`readBatch()` and `readBatchSync()` reject RangeError for a maxBytes that is neither a positive integer nor Infinity",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 2);
      const batch = new Array<LogRecord>(2);
      for (const maxBytes of [0, -1, 1.5, NaN, -Infinity, 2 ** 53]) {
        await rejects(() => log.readBatch(0, batch, { maxBytes }), RangeError);
        throws(() => log.readBatchSync(0, batch, { maxBytes }), RangeError);
      }
      for (const maxBytes of ["10", null, {}]) {
        await rejects(() => log.readBatch(0, batch, { maxBytes: unsafe(maxBytes) }), TypeError);
        throws(() => log.readBatchSync(0, batch, { maxBytes: unsafe(maxBytes) }), TypeError);
      }
      deepEqual(batch, new Array<LogRecord>(2), "batch after the rejections");
    },
  );

  define("`readBatchSync()` throws the errors that `readBatch()` rejects", async (ctx) => {
    const log = await ctx.log({ startOffset: 2, maxSegmentSize: 1 });
    await writeAll(log, 3); // n = 3, S = 1: earliest = 2 + (2 - 1) = 3
    const batch = new Array<LogRecord>(2);
    throws(
      () => log.readBatchSync(5, batch),
      FutureOffsetError,
      (e) => equal(e.offset, 5, "offset"),
    );
    for (const offset of [-1, 0, 1, 2]) {
      throws(
        () => log.readBatchSync(offset, batch),
        OutOfRangeError,
        (e) => equal(e.offset, offset, "offset"),
      );
    }
    throws(() => log.readBatchSync(2, batch, { maxBytes: 1 }), OutOfRangeError);
    for (const offset of NOT_INTEGERS) throws(() => log.readBatchSync(offset, batch), RangeError);
    throws(() => log.readBatchSync(unsafe("3"), batch), TypeError);
    throws(() => log.readBatchSync(3, unsafe(null)), TypeError);
    for (const offset of [0, 99, -1, 1.5]) {
      equal(log.readBatchSync(offset, []), 0, `readBatchSync(${offset}, [])`);
    }
    deepEqual(batch, new Array<LogRecord>(2), "batch after the errors");
    equal(log.readBatchSync(3, batch), 2, "count from the earliest offset");
    deepEqual(batch.map((r) => r.offset), [3, 4], "offsets read");
  });

  define(
    "`readBatch()` with maxBytes reads the log as it is when called, not the writes issued after",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 20);
      const batch = new Array<LogRecord>(50);
      const read = log.readBatch(0, batch, { maxBytes: 1_000_000 });
      const written = log.write(record(20));
      equal(await read, 20, "count");
      equal(await written, 20, "offset of the write");
      equal(log.readBatchSync(0, batch, { maxBytes: 1_000_000 }), 21, "count afterwards");
    },
  );
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

function defineBounds(define: Define): void {
  define(
    "`bounds()` and `boundsSync()` give the half-open bounds [begin, end) of the log",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 5, maxSegmentSize: 2 });
      const check = async (begin: number, end: number, what: string) => {
        deepEqual(await log.bounds(), { begin, end }, `bounds() ${what}`);
        deepEqual(log.boundsSync(), { begin, end }, `boundsSync() ${what}`);
        deepEqual(await log.journal.bounds(), { begin, end }, `journal.bounds() ${what}`);
      };
      await check(5, 5, "of a fresh log");
      await log.write(bytes(1));
      await check(5, 6, "after one write");
      await log.writeBatch([bytes(2), bytes(3)]); // n = 3, S = 2: earliest = 5
      await check(5, 8, "after three records");
      await writeAll(log, 2); // n = 5, S = 2: earliest = 5 + 2 * (2 - 1) = 7
      await check(7, 10, "after retention");
      const bounds = log.boundsSync();
      bounds.begin = 0;
      bounds.end = 0;
      const other = await log.bounds();
      other.end = 1;
      await check(7, 10, "after changing returned bounds");
    },
  );

  define(
    "`bounds()` and `boundsSync()` show the committed log: gathered writes count once committed",
    async (ctx) => {
      const log = await ctx.log();
      await log.write(bytes(1));
      const written = log.write(bytes(2));
      // A coalescing driver commits in a later task; a synchronous one at once.
      const end = log.journal.coalescesWrites ? 1 : 2;
      deepEqual(log.boundsSync(), { begin: 0, end }, "boundsSync() right after write()");
      const bounds = log.bounds();
      equal(await written, 1, "offset of the write");
      deepEqual(await bounds, { begin: 0, end }, "bounds() called right after write()");
      deepEqual(log.boundsSync(), { begin: 0, end: 2 }, "boundsSync() once committed");
    },
  );

  define(
    "`bounds()`, `truncate()` and `readBatch()` reject ClosedError and the synchronous methods throw it once the driver is closed",
    async (ctx) => {
      const journal = await ctx.journal();
      const log = new Log({ journal });
      await writeAll(log, 3);
      await journal.close();
      const batch = new Array<LogRecord>(2);
      await rejects(() => log.bounds(), ClosedError);
      throws(() => log.boundsSync(), ClosedError);
      await rejects(() => log.truncate(1), ClosedError);
      await rejects(() => log.truncate(0), ClosedError);
      await rejects(() => log.readBatch(0, batch, { maxBytes: 10 }), ClosedError);
      throws(() => log.readBatchSync(0, batch), ClosedError);
      throws(() => log.readBatchSync(0, batch, { maxBytes: 10 }), ClosedError);
    },
  );
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

function defineTruncate(define: Define): void {
  define(
    "`truncate()` removes the records below before: the log then begins there",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 3 });
      const records = await writeAll(log, 10);
      await log.truncate(7);
      await checkWindow(log, 7, 12, "after truncate(7)");
      deepEqual(await log.bounds(), { begin: 7, end: 13 }, "bounds() after truncate(7)");
      deepEqual((await log.read(7)).data, records[4], "read(7).data");
      for (const offset of [3, 6]) {
        await rejects(() => log.read(offset), OutOfRangeError, (e) => equal(e.offset, offset));
      }
      await log.truncate(8);
      await checkWindow(log, 8, 12, "after truncate(8)");
      await log.truncate(13);
      deepEqual(await log.bounds(), { begin: 13, end: 13 }, "bounds() after truncating all");
      deepEqual(await log.range(), { earliest: -1, latest: -1 }, "range() after truncating all");
      await rejects(() => log.read(12), OutOfRangeError);
      await rejects(() => log.read(13), FutureOffsetError);
      equal(await log.write(bytes(1)), 13, "offset of the next write");
      deepEqual(await log.bounds(), { begin: 13, end: 14 }, "bounds() after the next write");
    },
  );

  define("`truncate()` at or below the beginning changes nothing", async (ctx) => {
    const log = await ctx.log({ startOffset: 4 });
    await log.truncate(0);
    await log.truncate(4);
    deepEqual(await log.bounds(), { begin: 4, end: 4 }, "bounds() of a fresh log");
    await writeAll(log, 5);
    await log.truncate(6);
    for (const before of [0, 3, 4, 5, 6]) {
      await log.truncate(before);
      deepEqual(await log.bounds(), { begin: 6, end: 9 }, `bounds() after truncate(${before})`);
    }
    deepEqual((await log.read(6)).data, record(2), "read(6).data");
  });

  define(
    "`truncate()` rejects RangeError quoting before and the end when before is past the end",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 3);
      for (const before of [4, 100, Number.MAX_SAFE_INTEGER]) {
        await rejects(() => log.truncate(before), RangeError, (e) => {
          assertQuotes(e, before);
          assertQuotes(e, 3);
        });
      }
      deepEqual(await log.bounds(), { begin: 0, end: 3 }, "bounds()");
    },
  );

  define(
    "`truncate()` rejects RangeError for a before that is not a non-negative integer and TypeError for a non-number",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 3);
      for (const before of [...NOT_INTEGERS, -1]) {
        await rejects(() => log.truncate(before), RangeError);
      }
      for (const before of [...NOT_NUMBERS, undefined]) {
        await rejects(() => log.truncate(unsafe(before)), TypeError);
      }
      deepEqual(await log.bounds(), { begin: 0, end: 3 }, "bounds()");
    },
  );

  define(
    "`truncate()` acts on the committed log and leaves gathered writes to their commit",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 2);
      const written = log.write(bytes(9));
      const truncated = log.truncate(2);
      equal(await written, 2, "offset of the write");
      await truncated;
      deepEqual(await log.bounds(), { begin: 2, end: 3 }, "bounds()");
      deepEqual((await log.read(2)).data, bytes(9), "read(2).data");
      const again = log.write(bytes(8));
      // A coalescing driver commits the write in a later task; a synchronous one at once.
      const coalesced = log.journal.coalescesWrites;
      if (coalesced) await rejects(() => log.truncate(4), RangeError);
      else await log.truncate(4);
      equal(await again, 3, "offset of the next write");
      deepEqual(await log.bounds(), { begin: coalesced ? 2 : 4, end: 4 }, "bounds() at the end");
    },
  );

  define(
    "`truncate()` makes reads and streams of the removed offsets fail with OutOfRangeError",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 6);
      const signal = ctx.controller().signal;
      const reader = log.stream(0, { signal });
      equal((await reader.next()).value?.offset, 0, "offset streamed before truncate()");
      const waiting = log.stream(6, { signal }).next();
      await log.truncate(3);
      await rejects(() => reader.next(), OutOfRangeError, (e) => equal(e.offset, 1, "offset"));
      await rejects(
        () => log.stream(2, { signal }).next(),
        OutOfRangeError,
        (e) => equal(e.offset, 2, "offset"),
      );
      equal((await log.stream(3, { signal }).next()).value?.offset, 3, "offset streamed from 3");
      const batch = new Array<LogRecord>(2);
      await rejects(() => log.readBatch(2, batch), OutOfRangeError);
      await rejects(() => log.readBatch(2, batch, { maxBytes: 1 }), OutOfRangeError);
      throws(() => log.readBatchSync(2, batch), OutOfRangeError);
      await log.truncate(6);
      await log.write(bytes(7));
      equal((await waiting).value?.offset, 6, "offset of the stream waiting at the end");
    },
  );

  define("Retention keeps its formula after `truncate()`", async (ctx) => {
    const log = await ctx.log({ startOffset: 1, maxSegmentSize: 4 });
    await writeAll(log, 5); // n = 5, S = 4: earliest = 1
    await log.truncate(3);
    await checkWindow(log, 3, 5, "after truncate(3)");
    await writeAll(log, 3, 5); // n = 8: the formula's earliest is 1, below the truncation
    await checkWindow(log, 3, 8, "after 8 writes");
    await log.write(record(8)); // n = 9: earliest = 1 + 4 * (2 - 1) = 5
    await checkWindow(log, 5, 9, "after 9 writes");
  });

  define(
    "`write()` with an expectedOffset below a truncated beginning rejects ConflictError",
    async (ctx) => {
      const log = await ctx.log();
      await writeAll(log, 4);
      await log.truncate(4);
      for (const expectedOffset of [0, 2, 3]) {
        await rejects(
          () => log.write(bytes(1), { expectedOffset }),
          ConflictError,
          (e) => equal(e.position, expectedOffset, "position"),
        );
      }
      equal(await log.write(bytes(1), { expectedOffset: 4 }), 4, "offset at the end");
    },
  );
}

function defineConstructor(define: Define): void {
  const invalid: [string, unknown[], unknown[]][] = [
    ["startOffset", [-1, ...NOT_INTEGERS], [...NOT_NUMBERS]],
    ["maxSegmentSize", [0, -1, 1.5, NaN, -Infinity], [...NOT_NUMBERS]],
    ["maxRecordSize", [0, -1, 1.5, NaN, Infinity, -Infinity], [...NOT_NUMBERS]],
    ["producerTtl", [0, -1, 1.5, NaN, Infinity, -Infinity], [...NOT_NUMBERS]],
    ["maxProducers", [0, -1, 1.5, NaN, Infinity, -Infinity], [...NOT_NUMBERS]],
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
    [
      "write(data, expectedOffset)",
      (log, opts) => log.write(bytes(1), { ...opts, expectedOffset: 2 }),
    ],
    ["write(data, conflict)", (log, opts) => log.write(bytes(1), { ...opts, expectedOffset: 0 })],
    [
      "write(data, expectedOffset -1)",
      (log, opts) => log.write(bytes(1), { ...opts, expectedOffset: -1 }),
    ],
    ["read(0)", (log, opts) => log.read(0, opts)],
    ["read(-1)", (log, opts) => log.read(-1, opts)],
    ["read(99)", (log, opts) => log.read(99, opts)],
    ["read(1.5)", (log, opts) => log.read(1.5, opts)],
    ["readBatch(0, batch)", (log, opts) => log.readBatch(0, new Array<LogRecord>(2), opts)],
    ["readBatch(99, batch)", (log, opts) => log.readBatch(99, new Array<LogRecord>(2), opts)],
    ["readBatch(0, [])", (log, opts) => log.readBatch(0, [], opts)],
    ["readBatch(0, null)", (log, opts) => log.readBatch(0, unsafe(null), opts)],
    [
      "readBatch(0, batch, maxBytes)",
      (log, opts) => log.readBatch(0, new Array<LogRecord>(2), { ...opts, maxBytes: 1 }),
    ],
    [
      "readBatch(0, batch, maxBytes 0)",
      (log, opts) => log.readBatch(0, new Array<LogRecord>(2), { ...opts, maxBytes: 0 }),
    ],
    ["range()", (log, opts) => log.range(opts)],
    ["bounds()", (log, opts) => log.bounds(opts)],
    ["truncate(1)", (log, opts) => log.truncate(1, opts)],
    ["truncate(2)", (log, opts) => log.truncate(2, opts)],
    ["truncate(99)", (log, opts) => log.truncate(99, opts)],
    ["truncate(1.5)", (log, opts) => log.truncate(1.5, opts)],
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
        [
          "readBatch with maxBytes",
          (l, opts) => l.readBatch(0, new Array<LogRecord>(1), { ...opts, maxBytes: 1 }),
        ],
        ["range", (l, opts) => l.range(opts)],
        ["bounds", (l, opts) => l.bounds(opts)],
        ["truncate", (l, opts) => l.truncate(1, opts)],
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
    equal(await log.write(bytes(3), { signal, expectedOffset: 2 }), 2, "write(expectedOffset)");
    equal(
      await log.readBatch(0, new Array<LogRecord>(5), { signal, maxBytes: 2 }),
      2,
      "readBatch(maxBytes)",
    );
    deepEqual(await log.bounds({ signal }), { begin: 0, end: 3 }, "bounds()");
    await log.truncate(1, { signal });
    deepEqual(await log.bounds({ signal }), { begin: 1, end: 3 }, "bounds() after truncate()");
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
      [
        "readBatch(0, batch, maxBytes: 0)",
        () => log.readBatch(0, new Array<LogRecord>(1), { maxBytes: 0 }),
      ],
      [
        'readBatch(0, batch, maxBytes: "1")',
        () => log.readBatch(0, new Array<LogRecord>(1), { maxBytes: unsafe("1") }),
      ],
      ["write(data, expectedOffset: -1)", () => log.write(bytes(1), { expectedOffset: -1 })],
      ["write(data, expectedOffset: 5)", () => log.write(bytes(1), { expectedOffset: 5 })],
      ["range()", () => log.range()],
      ["truncate(1.5)", () => log.truncate(1.5)],
      ['truncate("1")', () => log.truncate(unsafe("1"))],
      ["truncate(5)", () => log.truncate(5)],
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
