/**
 * The conformance cases of the Journal contract: every sentence of the design's Journal
 * section, its general rules and the errors a journal reports. They need nothing but the
 * {@linkcode Journal} interface, so a remote client can run them too.
 *
 * @module
 */
import { ClosedError, ConflictError, LogError, NotFoundError } from "../core/errors.ts";
import type { CallOptions, Journal } from "../core/journal.ts";
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
} from "./assert.ts";
import {
  abortedSignal,
  appendAll,
  bytes,
  collect,
  contents,
  fill,
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
  type HarnessOptions,
  type JournalHarness,
  select,
} from "./suite.ts";

type Open = (opts?: HarnessOptions) => Promise<Journal>;
type Body = (open: Open) => Promise<void>;

/**
 * The conformance cases of the Journal contract, for any implementation of
 * {@linkcode Journal}. Every case creates its own fresh journals with `harness.create`
 * and closes them when it ends. Cases that need a first position other than 0 are left
 * out unless `harness.supportsStart` is `true`; cases named in `options.skip` are left
 * out too (see {@linkcode SkipList}).
 *
 * @param harness Creates the journals under test.
 * @param options Cases to skip.
 * @returns The cases, each with a unique name.
 * @throws {RangeError} When `options.skip` names a case that does not exist or gives an
 * empty reason.
 *
 * @example Running the Journal cases over MemoryJournal
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import { journalCases } from "@edgelog/edgelog/conformance";
 *
 * const cases = journalCases({
 *   create: (opts) => new MemoryJournal(opts),
 *   supportsStart: true,
 * });
 * for (const c of cases) await c.fn(); // or: Deno.test(c.name, c.fn) / it(c.name, c.fn)
 * ```
 */
export function journalCases(
  harness: JournalHarness,
  options: CaseOptions = {},
): ConformanceCase[] {
  const drafts: DraftCase[] = [];
  const define = (name: string, body: Body, needsStart = false) => {
    drafts.push({ name, needsStart, fn: () => run(harness, body) });
  };
  defineBounds(define);
  defineGet(define);
  defineRange(define);
  defineAppend(define);
  defineTruncate(define);
  defineIsolationAndClose(define);
  defineGeneralRules(define);
  defineErrors(define);
  return select(drafts, options.skip, harness.supportsStart);
}

/** Runs one case with fresh journals, closing every journal it opened afterwards. */
async function run(harness: JournalHarness, body: Body): Promise<void> {
  const opened: Journal[] = [];
  const open: Open = async (opts) => {
    const journal = await harness.create(opts);
    opened.push(journal);
    return journal;
  };
  try {
    await body(open);
  } finally {
    await Promise.allSettled(opened.map((journal) => journal.close()));
  }
}

type Define = (name: string, body: Body, needsStart?: boolean) => void;

function defineBounds(define: Define): void {
  define("`bounds()` of a fresh journal is [0, 0)", async (open) => {
    const journal = await open();
    deepEqual(await journal.bounds(), { begin: 0, end: 0 }, "bounds()");
  });

  define(
    "`bounds()` of a journal created with a start position is [start, start)",
    async (open) => {
      const journal = await open({ start: 10 });
      deepEqual(await journal.bounds(), { begin: 10, end: 10 }, "bounds()");
      await journal.append(10, bytes(1));
      deepEqual(await journal.bounds(), { begin: 10, end: 11 }, "bounds() after one append");
      await rejects(() => journal.get(9), NotFoundError, (e) => equal(e.position, 9, "position"));
    },
    true,
  );

  define("`bounds()` is [begin, end) of the records held", async (open) => {
    const journal = await open();
    await fill(journal, 5);
    deepEqual(await journal.bounds(), { begin: 0, end: 5 }, "bounds() after 5 appends");
    await journal.truncate(2);
    deepEqual(await journal.bounds(), { begin: 2, end: 5 }, "bounds() after truncate(2)");
  });

  define("`bounds()` is [end, end) after truncating everything", async (open) => {
    const journal = await open();
    await fill(journal, 3);
    await journal.truncate(3);
    deepEqual(await journal.bounds(), { begin: 3, end: 3 }, "bounds()");
    await rejects(() => journal.get(2), NotFoundError);
    await journal.append(3, bytes(9));
    deepEqual(await journal.bounds(), { begin: 3, end: 4 }, "bounds() after the next append");
    deepEqual(await journal.get(3), bytes(9), "get(3)");
  });

  define(
    "`bounds()` is [end, end) after truncating everything of a journal with a start",
    async (open) => {
      const journal = await open({ start: 40 });
      await fill(journal, 2);
      await journal.truncate(42);
      deepEqual(await journal.bounds(), { begin: 42, end: 42 }, "bounds()");
    },
    true,
  );
}

function defineGet(define: Define): void {
  define("`get()` resolves each appended record", async (open) => {
    const journal = await open();
    const records = await fill(journal, 7);
    for (let pos = 0; pos < 7; pos++) {
      deepEqual(await journal.get(pos), records[pos], `get(${pos})`);
    }
  });

  define("`get()` resolves a Uint8Array", async (open) => {
    const journal = await open();
    await journal.append(0, bytes(1, 2));
    instanceOf(await journal.get(0), Uint8Array, "get(0)");
  });

  define(
    "`get()` rejects NotFoundError carrying the position of a truncated record",
    async (open) => {
      const journal = await open();
      await fill(journal, 4);
      await journal.truncate(3);
      for (const pos of [0, 1, 2]) {
        await rejects(() => journal.get(pos), NotFoundError, (e) => {
          equal(e.position, pos, "position");
          assertQuotes(e, pos);
        });
      }
      deepEqual(await journal.get(3), record(3), "get(3)");
    },
  );

  define(
    "`get()` rejects NotFoundError carrying the position of a record not yet written",
    async (open) => {
      const journal = await open();
      await rejects(() => journal.get(0), NotFoundError, (e) => equal(e.position, 0, "position"));
      await fill(journal, 2);
      for (const pos of [2, 3, 1000]) {
        await rejects(
          () => journal.get(pos),
          NotFoundError,
          (e) => equal(e.position, pos, "position"),
        );
      }
    },
  );

  define("`get()` rejects NotFoundError at Number.MAX_SAFE_INTEGER", async (open) => {
    const journal = await open();
    await fill(journal, 1);
    await rejects(() => journal.get(Number.MAX_SAFE_INTEGER), NotFoundError, (e) => {
      equal(e.position, Number.MAX_SAFE_INTEGER, "position");
    });
  });

  define("`get()` returns a copy: mutating it changes nothing stored", async (open) => {
    const journal = await open();
    await journal.append(0, bytes(1, 2, 3));
    const first = await journal.get(0);
    first.fill(0);
    // Even the whole buffer behind the returned view must not reach the stored record.
    new Uint8Array(first.buffer).fill(0);
    deepEqual(await journal.get(0), bytes(1, 2, 3), "get(0) after mutating a returned record");
  });
}

function defineRange(define: Define): void {
  define("`range()` calls fn in position order starting at pos", async (open) => {
    const journal = await open();
    const records = await fill(journal, 6);
    const seen = await collect(journal, 2);
    deepEqual(seen, [2, 3, 4, 5].map((pos) => [pos, records[pos]]), "range(2) visits");
    deepEqual(await collect(journal, 5), [[5, records[5]]], "range(5) visits");
  });

  define("`range()` visits every record of a long journal exactly once, in order", async (open) => {
    const journal = await open();
    const records = await fill(journal, 600);
    const seen = await collect(journal, 0);
    equal(seen.length, 600, "number of records visited");
    seen.forEach(([pos, data], i) => {
      equal(pos, i, "position visited");
      deepEqual(data, records[i], `record ${i}`);
    });
  });

  define("`range()` stops and resolves when fn returns false", async (open) => {
    const journal = await open();
    await fill(journal, 5);
    const seen: number[] = [];
    await journal.range(1, (pos) => {
      seen.push(pos);
      return pos < 3;
    });
    deepEqual(seen, [1, 2, 3], "positions visited");
  });

  define("`range()` stops and resolves when fn resolves false", async (open) => {
    const journal = await open();
    await fill(journal, 5);
    const seen: number[] = [];
    await journal.range(0, async (pos) => {
      seen.push(pos);
      await settle(1);
      return pos !== 1;
    });
    deepEqual(seen, [0, 1], "positions visited");
  });

  define(
    "`range()` continues when fn returns true, nothing, or a Promise of either",
    async (open) => {
      const journal = await open();
      await fill(journal, 4);
      const results = [true, undefined, Promise.resolve(true), Promise.resolve(undefined)];
      const seen: number[] = [];
      await journal.range(0, (pos) => {
        seen.push(pos);
        return results[pos];
      });
      deepEqual(seen, [0, 1, 2, 3], "positions visited");
    },
  );

  define("`range()` propagates an error thrown by fn unchanged", async (open) => {
    const journal = await open();
    await fill(journal, 3);
    const thrown = new TypeError("Thrown by fn");
    const seen: number[] = [];
    await rejectsWith(() =>
      journal.range(0, (pos) => {
        seen.push(pos);
        if (pos === 1) throw thrown;
      }), thrown);
    deepEqual(seen, [0, 1], "positions visited");
    // A domain error thrown by fn is fn's, not the journal's: it too arrives unchanged.
    const conflict = new ConflictError(77);
    await rejectsWith(() =>
      journal.range(0, () => {
        throw conflict;
      }), conflict);
  });

  define("`range()` propagates a rejection of fn unchanged", async (open) => {
    const journal = await open();
    await fill(journal, 3);
    const reason = { custom: "rejection reason" };
    const seen: number[] = [];
    await rejectsWith(() =>
      journal.range(0, async (pos) => {
        seen.push(pos);
        if (pos === 2) throw reason;
      }), reason);
    deepEqual(seen, [0, 1, 2], "positions visited");
  });

  define(
    "`range()` rejects NotFoundError and never calls fn at a truncated position",
    async (open) => {
      const journal = await open();
      await fill(journal, 5);
      await journal.truncate(3);
      for (const pos of [0, 2]) {
        let calls = 0;
        await rejects(() => journal.range(pos, () => void calls++), NotFoundError, (e) => {
          equal(e.position, pos, "position");
        });
        equal(calls, 0, "calls of fn");
      }
    },
  );

  define(
    "`range()` rejects NotFoundError and never calls fn at a position not yet written",
    async (open) => {
      const journal = await open();
      let calls = 0;
      const fn = () => void calls++;
      await rejects(
        () => journal.range(0, fn),
        NotFoundError,
        (e) => equal(e.position, 0, "position"),
      );
      await fill(journal, 3);
      for (const pos of [3, 4, Number.MAX_SAFE_INTEGER]) {
        await rejects(() => journal.range(pos, fn), NotFoundError, (e) => {
          equal(e.position, pos, "position");
        });
      }
      equal(calls, 0, "calls of fn");
    },
  );

  define(
    "`range()` passes copies: mutating a record in fn changes nothing stored",
    async (open) => {
      const journal = await open();
      await journal.append(0, bytes(1, 2, 3));
      await journal.append(1, bytes(4, 5, 6));
      await journal.range(0, (_pos, data) => {
        data.fill(0);
        new Uint8Array(data.buffer).fill(0);
      });
      deepEqual(await contents(journal), [[0, bytes(1, 2, 3)], [1, bytes(4, 5, 6)]], "records");
    },
  );

  define("`range()` rejects TypeError when fn is not a function", async (open) => {
    const journal = await open();
    await fill(journal, 1);
    for (const fn of [undefined, null, "fn", {}]) {
      await rejects(() => journal.range(0, unsafe(fn)), TypeError);
    }
  });
}

function defineAppend(define: Define): void {
  define("`append()` at the current end stores the record and moves the end", async (open) => {
    const journal = await open();
    await journal.append(0, bytes(10));
    await journal.append(1, bytes(11, 12));
    deepEqual(await journal.bounds(), { begin: 0, end: 2 }, "bounds()");
    deepEqual(await contents(journal), [[0, bytes(10)], [1, bytes(11, 12)]], "records");
  });

  define("`append()` rejects ConflictError when end is below the current end", async (open) => {
    const journal = await open();
    await fill(journal, 3);
    for (const end of [2, 1, 0]) {
      await rejects(() => journal.append(end, bytes(99)), ConflictError, (e) => {
        equal(e.position, end, "position");
        assertQuotes(e, end);
      });
    }
    deepEqual(await journal.bounds(), { begin: 0, end: 3 }, "bounds() after the conflicts");
    deepEqual(await contents(journal), [0, 1, 2].map((i) => [i, record(i)]), "records");
  });

  define(
    "`append()` rejects ConflictError at a truncated position: it is never reused",
    async (open) => {
      const journal = await open();
      await fill(journal, 4);
      await journal.truncate(4);
      for (const end of [0, 2, 3]) {
        await rejects(() => journal.append(end, bytes(99)), ConflictError, (e) => {
          equal(e.position, end, "position");
        });
      }
      deepEqual(await journal.bounds(), { begin: 4, end: 4 }, "bounds()");
      await rejects(() => journal.get(3), NotFoundError);
    },
  );

  define(
    "`append()` rejects ConflictError below the start position of a fresh journal",
    async (open) => {
      const journal = await open({ start: 10 });
      await rejects(() => journal.append(3, bytes(1)), ConflictError, (e) => {
        equal(e.position, 3, "position");
      });
      deepEqual(await journal.bounds(), { begin: 10, end: 10 }, "bounds()");
    },
    true,
  );

  define("`append()` rejects RangeError when end is above the current end", async (open) => {
    const journal = await open();
    await rejects(() => journal.append(1, bytes(1)), RangeError);
    await fill(journal, 2);
    for (const end of [3, 100, Number.MAX_SAFE_INTEGER]) {
      await rejects(() => journal.append(end, bytes(1)), RangeError);
    }
    deepEqual(await journal.bounds(), { begin: 0, end: 2 }, "bounds() after the gaps");
    await rejects(() => journal.get(3), NotFoundError);
  });

  define("`append()` lets exactly one of many concurrent appends at one end win", async (open) => {
    const journal = await open();
    await fill(journal, 1);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => journal.append(1, bytes(100 + i))),
    );
    const won = results.flatMap((r, i) => r.status === "fulfilled" ? [i] : []);
    equal(won.length, 1, "number of appends that won");
    for (const result of results) {
      if (result.status === "rejected") {
        instanceOf(result.reason, ConflictError, "a losing append's rejection");
        equal(result.reason.position, 1, "position");
      }
    }
    deepEqual(await journal.bounds(), { begin: 0, end: 2 }, "bounds()");
    deepEqual(await journal.get(1), bytes(100 + won[0]!), "get(1)");
  });

  define("`append()` stores empty records and they round-trip", async (open) => {
    const journal = await open();
    await journal.append(0, new Uint8Array(0));
    await journal.append(1, bytes(5));
    await journal.append(2, new Uint8Array(0));
    deepEqual(await journal.bounds(), { begin: 0, end: 3 }, "bounds()");
    deepEqual(await journal.get(0), new Uint8Array(0), "get(0)");
    deepEqual(await journal.get(2), new Uint8Array(0), "get(2)");
    deepEqual(
      await collect(journal, 0),
      [[0, new Uint8Array(0)], [1, bytes(5)], [2, new Uint8Array(0)]],
      "records visited by range(0)",
    );
  });

  define(
    "`append()` copies the record: mutating the input afterwards changes nothing stored",
    async (open) => {
      const journal = await open();
      const input = bytes(1, 2, 3);
      await journal.append(0, input);
      input.fill(9);
      deepEqual(await journal.get(0), bytes(1, 2, 3), "get(0)");
    },
  );

  define("`append()` stores exactly the bytes of a view into a larger buffer", async (open) => {
    const journal = await open();
    const buffer = pattern(64);
    await journal.append(0, buffer.subarray(10, 13));
    await journal.append(1, new Uint8Array(buffer.buffer, 60, 4));
    deepEqual(await journal.get(0), bytes(10, 11, 12), "get(0)");
    deepEqual(await journal.get(1), bytes(60, 61, 62, 63), "get(1)");
  });

  define("`append()` round-trips every byte value and large records", async (open) => {
    const journal = await open();
    const large = pattern(256 * 1024);
    await journal.append(0, pattern(256));
    await journal.append(1, large);
    deepEqual(await journal.get(0), pattern(256), "get(0)");
    deepEqual(await journal.get(1), large, "get(1)");
  });

  define("`append()` rejects TypeError for a record that is not a Uint8Array", async (open) => {
    const journal = await open();
    for (const value of NOT_BYTES) {
      await rejects(() => journal.append(0, unsafe(value)), TypeError);
    }
    deepEqual(await journal.bounds(), { begin: 0, end: 0 }, "bounds()");
  });
}

function defineTruncate(define: Define): void {
  define("`truncate()` removes the records in [begin, end)", async (open) => {
    const journal = await open();
    const records = await fill(journal, 6);
    await journal.truncate(2);
    deepEqual(await journal.bounds(), { begin: 2, end: 6 }, "bounds()");
    await rejects(() => journal.get(1), NotFoundError);
    deepEqual(await collect(journal, 2), [2, 3, 4, 5].map((i) => [i, records[i]]), "records");
  });

  define("`truncate()` with end at or below begin changes nothing", async (open) => {
    const journal = await open();
    const records = await fill(journal, 5);
    await journal.truncate(0);
    deepEqual(await journal.bounds(), { begin: 0, end: 5 }, "bounds() after truncate(0)");
    await journal.truncate(3);
    for (const end of [3, 2, 0]) {
      await journal.truncate(end);
      deepEqual(await journal.bounds(), { begin: 3, end: 5 }, `bounds() after truncate(${end})`);
    }
    deepEqual(await contents(journal), [3, 4].map((i) => [i, records[i]]), "records");
  });

  define("`truncate()` on an empty journal to its end changes nothing", async (open) => {
    const journal = await open();
    await journal.truncate(0);
    deepEqual(await journal.bounds(), { begin: 0, end: 0 }, "bounds()");
    await journal.append(0, bytes(1));
    deepEqual(await journal.get(0), bytes(1), "get(0)");
  });

  define("`truncate()` rejects RangeError when end is above the current end", async (open) => {
    const journal = await open();
    await rejects(() => journal.truncate(1), RangeError);
    const records = await fill(journal, 3);
    for (const end of [4, 50, Number.MAX_SAFE_INTEGER]) {
      await rejects(() => journal.truncate(end), RangeError);
    }
    deepEqual(await journal.bounds(), { begin: 0, end: 3 }, "bounds()");
    deepEqual(await contents(journal), [0, 1, 2].map((i) => [i, records[i]]), "records");
  });

  define("`truncate()` removes the oldest records first, never leaving a gap", async (open) => {
    const journal = await open();
    const records = await fill(journal, 20);
    for (const end of [1, 4, 5, 11, 19]) {
      await journal.truncate(end);
      const held = await collect(journal, end);
      deepEqual(
        held,
        records.slice(end).map((data, i) => [end + i, data]),
        `records after truncate(${end})`,
      );
      await rejects(() => journal.get(end - 1), NotFoundError);
    }
  });
}

function defineIsolationAndClose(define: Define): void {
  define("Two journals never share records", async (open) => {
    const a = await open();
    const b = await open();
    deepEqual(await b.bounds(), { begin: 0, end: 0 }, "bounds() of a second fresh journal");
    await a.append(0, bytes(1));
    await a.append(1, bytes(2));
    deepEqual(await b.bounds(), { begin: 0, end: 0 }, "bounds() of the other journal");
    await b.append(0, bytes(3));
    deepEqual(await a.get(0), bytes(1), "get(0) of the first journal");
    deepEqual(await b.get(0), bytes(3), "get(0) of the second journal");
    await a.truncate(2);
    deepEqual(await b.bounds(), { begin: 0, end: 1 }, "bounds() of the second journal");
    await b.close();
    deepEqual(await a.bounds(), { begin: 2, end: 2 }, "bounds() of the first journal");
  });

  define("`close()` makes every method reject ClosedError", async (open) => {
    const journal = await open();
    await fill(journal, 3);
    const closing = journal.close();
    instanceOf(closing, Promise, "close()");
    await closing;
    const check = (e: ClosedError) => equal(e.code, "CLOSED", "code");
    await rejects(() => journal.bounds(), ClosedError, check);
    await rejects(() => journal.get(0), ClosedError, check);
    await rejects(() => journal.get(3), ClosedError, check);
    let calls = 0;
    await rejects(() => journal.range(0, () => void calls++), ClosedError, check);
    equal(calls, 0, "calls of fn");
    await rejects(() => journal.append(3, bytes(1)), ClosedError, check);
    await rejects(() => journal.truncate(1), ClosedError, check);
  });

  define("`close()` twice is harmless", async (open) => {
    const journal = await open();
    await fill(journal, 1);
    await journal.close();
    await journal.close();
    await rejects(() => journal.bounds(), ClosedError);
  });
}

/** One call of each method that takes `opts`, with a valid but state-changing argument. */
const SIGNAL_CALLS: [string, (journal: Journal, opts: CallOptions) => Promise<unknown>][] = [
  ["bounds()", (j, opts) => j.bounds(opts)],
  ["get(0)", (j, opts) => j.get(0, opts)],
  ["range(0, fn)", (j, opts) => j.range(0, () => {}, opts)],
  ["append(2, record)", (j, opts) => j.append(2, bytes(7), opts)],
  ["truncate(1)", (j, opts) => j.truncate(1, opts)],
];

function defineGeneralRules(define: Define): void {
  type Calls = (j: Journal, opts: CallOptions) => (() => Promise<unknown>)[];
  const signalCases: [string, string, Calls][] = [
    ["bounds", "", (j, opts) => [() => j.bounds(opts)]],
    [
      "get",
      ", even for a missing or invalid position",
      (j, opts) => [
        () => j.get(0, opts),
        () => j.get(2, opts),
        () => j.get(-1, opts),
        () => j.get(1.5, opts),
      ],
    ],
    [
      "range",
      " and never calls fn, even for a missing position or invalid fn",
      (j, opts) => [
        () => j.range(0, () => fail("Expected fn not to be called"), opts),
        () => j.range(5, () => fail("Expected fn not to be called"), opts),
        () => j.range(NaN, () => fail("Expected fn not to be called"), opts),
        () => j.range(0, unsafe("not a function"), opts),
      ],
    ],
    [
      "append",
      " and stores nothing, even for a conflicting, future or invalid end",
      (j, opts) => [
        () => j.append(2, bytes(7), opts),
        () => j.append(0, bytes(7), opts),
        () => j.append(9, bytes(7), opts),
        () => j.append(2, unsafe("not bytes"), opts),
        () => j.append(Infinity, bytes(7), opts),
      ],
    ],
    [
      "truncate",
      " and removes nothing, even for an end past the end or invalid",
      (j, opts) => [
        () => j.truncate(1, opts),
        () => j.truncate(9, opts),
        () => j.truncate(-1, opts),
      ],
    ],
  ];
  for (const [method, more, calls] of signalCases) {
    define(
      `\`${method}()\` with an already aborted signal rejects with its reason${more}`,
      async (open) => {
        const journal = await open();
        await fill(journal, 2);
        const { signal, reason } = abortedSignal();
        for (const call of calls(journal, { signal })) await rejectsWith(call, reason);
        // The default reason of abort() is a DOMException: it too is passed on as is.
        const plain = AbortSignal.abort();
        for (const call of calls(journal, { signal: plain })) {
          await rejectsWith(call, plain.reason);
        }
        deepEqual(await contents(journal), [[0, record(0)], [1, record(1)]], "records");
      },
    );
  }

  define(
    "Every method with a signal that is not an AbortSignal rejects TypeError",
    async (open) => {
      const journal = await open();
      await fill(journal, 2);
      for (const signal of ["abort", {}, 1]) {
        for (const [, call] of SIGNAL_CALLS) {
          await rejects(() => call(journal, { signal: unsafe(signal) }), TypeError);
        }
      }
      deepEqual(await contents(journal), [[0, record(0)], [1, record(1)]], "records");
    },
  );

  define(
    "Every method with a live signal behaves as without one",
    async (open) => {
      const journal = await open();
      await fill(journal, 2);
      const { signal } = new AbortController();
      for (const [what, call] of SIGNAL_CALLS) {
        try {
          await call(journal, { signal });
        } catch (error) {
          fail(`Expected ${what} with a live signal to resolve, got "${String(error)}"`);
        }
      }
      deepEqual(await journal.bounds(), { begin: 1, end: 3 }, "bounds()");
    },
  );

  define(
    "`get()`, `range()`, `append()` and `truncate()` reject RangeError for a negative position",
    async (open) => {
      const journal = await open();
      await fill(journal, 2);
      for (const pos of [-1, -100, Number.MIN_SAFE_INTEGER]) {
        await rejects(() => journal.get(pos), RangeError, (e) => assertQuotes(e, pos));
        await rejects(() => journal.range(pos, () => fail("fn was called")), RangeError);
        await rejects(() => journal.append(pos, bytes(1)), RangeError);
        await rejects(() => journal.truncate(pos), RangeError);
      }
      deepEqual(await contents(journal), [[0, record(0)], [1, record(1)]], "records");
    },
  );

  define(
    "`get()`, `range()`, `append()` and `truncate()` reject RangeError for a position that is not a safe integer",
    async (open) => {
      const journal = await open();
      await fill(journal, 2);
      for (const pos of NOT_INTEGERS) {
        await rejects(() => journal.get(pos), RangeError, (e) => assertQuotes(e, pos));
        await rejects(() => journal.range(pos, () => fail("fn was called")), RangeError);
        await rejects(() => journal.append(pos, bytes(1)), RangeError);
        await rejects(() => journal.truncate(pos), RangeError);
      }
      deepEqual(await contents(journal), [[0, record(0)], [1, record(1)]], "records");
    },
  );

  define(
    "`get()`, `range()`, `append()` and `truncate()` reject TypeError for a position that is not a number",
    async (open) => {
      const journal = await open();
      await fill(journal, 2);
      for (const pos of [...NOT_NUMBERS, undefined]) {
        await rejects(() => journal.get(unsafe(pos)), TypeError);
        await rejects(() => journal.range(unsafe(pos), () => fail("fn was called")), TypeError);
        await rejects(() => journal.append(unsafe(pos), bytes(1)), TypeError);
        await rejects(() => journal.truncate(unsafe(pos)), TypeError);
      }
      deepEqual(await contents(journal), [[0, record(0)], [1, record(1)]], "records");
    },
  );

  define("Every method returns a Promise, also when it fails", async (open) => {
    const journal = await open();
    const calls: [string, () => unknown][] = [
      ["bounds()", () => journal.bounds()],
      ["get(5)", () => journal.get(5)],
      ["get(-1)", () => journal.get(-1)],
      ['get("x")', () => journal.get(unsafe("x"))],
      ["range(0, fn)", () => journal.range(0, () => {})],
      ["range(0, null)", () => journal.range(0, unsafe(null))],
      ["append(0, null)", () => journal.append(0, unsafe(null))],
      ["append(7, record)", () => journal.append(7, bytes(1))],
      ["truncate(NaN)", () => journal.truncate(NaN)],
      ["truncate(3)", () => journal.truncate(3)],
      ["close()", () => journal.close()],
      ["get(0) after close()", () => journal.get(0)],
    ];
    for (const [what, call] of calls) {
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

  define("Positions past 2^32 work in every method", async (open) => {
    const start = HIGH_START;
    const journal = await open({ start });
    deepEqual(await journal.bounds(), { begin: start, end: start }, "bounds()");
    await appendAll(journal, [bytes(1), bytes(2), bytes(3)]);
    deepEqual(await journal.bounds(), { begin: start, end: start + 3 }, "bounds()");
    deepEqual(await journal.get(start + 2), bytes(3), "get(start + 2)");
    deepEqual(
      await collect(journal, start + 1),
      [[start + 1, bytes(2)], [start + 2, bytes(3)]],
      "records visited by range(start + 1)",
    );
    await rejects(() => journal.append(start + 1, bytes(9)), ConflictError, (e) => {
      equal(e.position, start + 1, "position");
    });
    await rejects(() => journal.append(start + 4, bytes(9)), RangeError);
    await journal.truncate(start + 2);
    deepEqual(await journal.bounds(), { begin: start + 2, end: start + 3 }, "bounds()");
    await rejects(() => journal.get(start + 1), NotFoundError, (e) => {
      equal(e.position, start + 1, "position");
    });
    await rejects(() => journal.get(start - 2 ** 32), NotFoundError);
    await rejects(() => journal.get(start + 3), NotFoundError);
  }, true);
}

/** X and Y are the same type, readonly modifiers included. */
type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true
  : false;
/** Whether property K of T is readonly. */
type IsReadonly<T, K extends keyof T> = Equals<Pick<T, K>, Readonly<Pick<T, K>>>;

/** Fails to compile when `code` of any error class becomes writable. */
const CODE_IS_READONLY: readonly true[] = [
  true satisfies IsReadonly<LogError, "code">,
  true satisfies IsReadonly<ConflictError, "code">,
  true satisfies IsReadonly<NotFoundError, "code">,
  true satisfies IsReadonly<ClosedError, "code">,
];

function defineErrors(define: Define): void {
  const family = (error: LogError, type: string, code: string) => {
    instanceOf(error, LogError, "the error");
    instanceOf(error, Error, "the error");
    equal(error.code, code, "code");
    equal(error.name, type, "name");
    equal(Object.getPrototypeOf(LogError.prototype), Error.prototype, "prototype of LogError");
  };

  define(
    '`ConflictError` is a LogError with code "CONFLICT", its name and the position',
    async (open) => {
      const journal = await open();
      await fill(journal, 2);
      await rejects(() => journal.append(1, bytes(1)), ConflictError, (e) => {
        family(e, "ConflictError", "CONFLICT");
        equal(e.position, 1, "position");
        equal(Object.getPrototypeOf(ConflictError.prototype), LogError.prototype, "prototype");
      });
    },
  );

  define(
    '`NotFoundError` is a LogError with code "NOT_FOUND", its name and the position',
    async (open) => {
      const journal = await open();
      await rejects(() => journal.get(4), NotFoundError, (e) => {
        family(e, "NotFoundError", "NOT_FOUND");
        equal(e.position, 4, "position");
        equal(Object.getPrototypeOf(NotFoundError.prototype), LogError.prototype, "prototype");
      });
    },
  );

  define('`ClosedError` is a LogError with code "CLOSED" and its name', async (open) => {
    const journal = await open();
    await journal.close();
    await rejects(() => journal.get(0), ClosedError, (e) => {
      family(e, "ClosedError", "CLOSED");
      equal(Object.getPrototypeOf(ClosedError.prototype), LogError.prototype, "prototype");
    });
  });

  define(
    "Argument errors are the built-in RangeError and TypeError, not LogErrors",
    async (open) => {
      const journal = await open();
      const range = await rejects(() => journal.get(-1), RangeError);
      ok(
        !(range instanceof LogError),
        "Expected get(-1) to reject a RangeError that is no LogError",
      );
      equal(Object.getPrototypeOf(range), RangeError.prototype, "prototype of the RangeError");
      const type = await rejects(() => journal.append(0, unsafe("x")), TypeError);
      ok(
        !(type instanceof LogError),
        'Expected append(0, "x") to reject a TypeError that is no LogError',
      );
      equal(Object.getPrototypeOf(type), TypeError.prototype, "prototype of the TypeError");
    },
  );

  define("`code` is a readonly string on every error a journal reports", async (open) => {
    // Compile time: assigning `code` is a type error (see CODE_IS_READONLY).
    ok(CODE_IS_READONLY.every((readonly) => readonly), "Expected every code to be readonly");
    const journal = await open();
    await fill(journal, 1);
    for (
      const error of [
        await journal.append(0, bytes(1)).catch((e: unknown) => e),
        await journal.get(5).catch((e: unknown) => e),
      ]
    ) {
      instanceOf(error, LogError, "the error");
      equal(typeof error.code, "string", "typeof code");
    }
  });
}
