/**
 * Model-based property tests: random sequences of operations run against the
 * implementation under test and against a plain in-memory model, and every result and
 * every error must agree. In the spirit of persistencekit's model test, which found real
 * bugs.
 *
 * @module
 */
import fc from "fast-check";
import {
  ConflictError,
  FutureOffsetError,
  NotFoundError,
  OutOfRangeError,
  ProducerSeqGapError,
  RecordTooLargeError,
  StaleEpochError,
} from "../core/errors.ts";
import type { Journal } from "../core/journal.ts";
import { Log, type LogRecord } from "../core/log.ts";
import {
  type Appended,
  DEFAULT_MAX_PRODUCERS,
  DEFAULT_PRODUCER_TTL,
  type Producer,
  type ProducerState,
} from "../core/producer.ts";
import type { StorageJournal } from "../core/storage_journal.ts";
import { type Class, deepEqual, equal, fail, ok, rejectsWith, show } from "./assert.ts";
import { HIGH_START } from "./fixtures.ts";
import {
  type CaseOptions,
  type ConformanceCase,
  type JournalHarness,
  type LogHarness,
  select,
} from "./suite.ts";

/**
 * Options of {@linkcode modelCases}.
 *
 * @example Replaying a failure with the seed fast-check reported
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import { modelCases, type ModelOptions } from "@edgelog/edgelog/conformance";
 *
 * const options: ModelOptions = { runs: 10, seed: 42, maxOperations: 20 };
 * for (const c of modelCases({ create: () => new MemoryJournal() }, options)) await c.fn();
 * ```
 */
export interface ModelOptions extends CaseOptions {
  /** How many random operation sequences each case runs. Default 100; CI runs at least 1000. */
  runs?: number;
  /** The seed of the random generator, to replay a failure fast-check reported. */
  seed?: number;
  /** The most operations in one sequence. Default 40. */
  maxOperations?: number;
}

/** The name of the Journal model case. */
const JOURNAL_MODEL = "Random sequences of Journal operations match a plain in-memory model";
/** The name of the Log model case. */
const LOG_MODEL =
  "Random sequences of Log operations with a small segment size match a plain in-memory model";

/**
 * The model-based property tests: random sequences of Journal operations (appends at
 * the right and at wrong ends, truncation inside and outside the bounds, `get`, `range`,
 * `bounds`), and random sequences of Log operations over the same driver (`write` with
 * and without `expectedOffset`, `writeBatch`, concurrent writes, `read`, `readBatch` and
 * `readBatchSync` with and without `maxBytes`, `range`, `bounds`, `truncate`, `stream`,
 * reopening the Log, and writes of idempotent producers: next writes, retries, gaps, stale
 * and new epochs, alone and several in one turn, with a short `producerTtl` and a small
 * `maxProducers`) with a small segment size, each compared, result by result and error
 * by error, with a plain in-memory model; the producer states the driver stores are
 * compared after every operation. Every sequence runs on a fresh journal from the
 * harness.
 *
 * The Log case needs journals that are storage drivers ({@linkcode LogHarness}); skip it
 * by name for a journal that is not one, such as a remote client.
 *
 * @param harness Creates the journals under test.
 * @param options `runs` sequences per case (default 100), a `seed` to replay, cases to skip.
 * @returns The two cases.
 * @throws {RangeError} When `runs` or `maxOperations` is not a positive integer, or
 * `options.skip` names a case that does not exist.
 *
 * @example Running the model tests over MemoryJournal
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import { modelCases } from "@edgelog/edgelog/conformance";
 *
 * const harness = { create: (opts?: { start?: number }) => new MemoryJournal(opts) };
 * for (const c of modelCases(harness, { runs: 20 })) await c.fn();
 * ```
 */
export function modelCases(
  harness: JournalHarness | LogHarness,
  options: ModelOptions = {},
): ConformanceCase[] {
  const { runs = 100, seed, maxOperations = 40 } = options;
  for (const [name, value] of [["runs", runs], ["maxOperations", maxOperations]] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`Expected ${name} to be a positive integer, got "${value}"`);
    }
  }
  const parameters: fc.Parameters<unknown> = seed === undefined
    ? { numRuns: runs }
    : { numRuns: runs, seed };
  return select(
    [
      {
        name: JOURNAL_MODEL,
        fn: () => fc.assert(journalProperty(harness, maxOperations), parameters),
      },
      {
        name: LOG_MODEL,
        fn: () => fc.assert(logProperty(harness as LogHarness, maxOperations), parameters),
      },
    ],
    options.skip,
    true,
  );
}

// ---------------------------------------------------------------------------------------
// Shared

/** What an operation should do: resolve a value, or reject with one of some classes. */
type Outcome<T> =
  | { value: T }
  | { errors: Class<Error>[]; fields?: Record<string, number> };

/** Runs `call` and checks its outcome against the model's. */
async function expectOutcome<T>(
  what: string,
  call: () => Promise<T>,
  expected: Outcome<T>,
  compare: (actual: T, expected: T) => void = (a, e) => deepEqual(a, e, what),
): Promise<T | undefined> {
  let result: { value: T } | { error: unknown };
  try {
    result = { value: await call() };
  } catch (error) {
    result = { error };
  }
  if ("value" in expected) {
    if ("error" in result) {
      return fail(`Expected ${what} to resolve ${show(expected.value)}, got ${show(result.error)}`);
    }
    compare(result.value, expected.value);
    return result.value;
  }
  const names = expected.errors.map((type) => type.name).join(" or ");
  if ("value" in result) {
    return fail(`Expected ${what} to reject "${names}", got the value ${show(result.value)}`);
  }
  const { error } = result;
  ok(
    expected.errors.some((type) => error instanceof type),
    `Expected ${what} to reject "${names}", got ${show(error)}`,
  );
  for (const [field, value] of Object.entries(expected.fields ?? {})) {
    equal((error as unknown as Record<string, unknown>)[field], value, `${field} of ${what}`);
  }
  return undefined;
}

/**
 * A synchronous call as a call that returns a settled Promise: what it returned, or what
 * it threw, so that {@linkcode expectOutcome} checks both kinds of method alike.
 */
function settledSync<T>(call: () => T): () => Promise<T> {
  return () => {
    try {
      return Promise.resolve(call());
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/** A position relative to a point of the model's window, so that it stays interesting. */
interface Place {
  anchor: "begin" | "end" | "max";
  delta: number;
}

const placeArbitrary: fc.Arbitrary<Place> = fc.record({
  anchor: fc.constantFrom<Place["anchor"]>("begin", "begin", "end", "end", "max"),
  delta: fc.integer({ min: -3, max: 3 }),
});

function resolvePlace(place: Place, begin: number, end: number): number {
  switch (place.anchor) {
    case "begin":
      return begin + place.delta;
    case "end":
      return end + place.delta;
    case "max":
      return Number.MAX_SAFE_INTEGER - Math.abs(place.delta);
  }
}

// ---------------------------------------------------------------------------------------
// The Journal model

type JournalOp =
  | { kind: "bounds" }
  | { kind: "get"; place: Place }
  | { kind: "range"; place: Place; stopAfter: number | null; async: boolean }
  | { kind: "append"; delta: number; data: Uint8Array }
  | { kind: "appendMany"; records: Uint8Array[] }
  | { kind: "truncate"; place: Place };

const recordArbitrary = fc.uint8Array({ minLength: 0, maxLength: 12 });

const journalOpArbitrary: fc.Arbitrary<JournalOp> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: "bounds" as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("get" as const), place: placeArbitrary }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("range" as const),
      place: placeArbitrary,
      stopAfter: fc.option(fc.integer({ min: 1, max: 4 })),
      async: fc.boolean(),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("append" as const),
      delta: fc.oneof(
        { weight: 5, arbitrary: fc.constant(0) },
        { weight: 2, arbitrary: fc.integer({ min: -4, max: 3 }) },
      ),
      data: recordArbitrary,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("appendMany" as const),
      records: fc.array(recordArbitrary, { minLength: 1, maxLength: 8 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("truncate" as const), place: placeArbitrary }),
  },
);

/** The plain model of a journal: its bounds and a map of its records. */
class JournalModel {
  begin: number;
  end: number;
  readonly records = new Map<number, Uint8Array>();

  constructor(start: number) {
    this.begin = this.end = start;
  }

  get(pos: number): Outcome<Uint8Array> {
    if (pos < 0) return { errors: [RangeError] };
    const data = this.records.get(pos);
    return data === undefined
      ? { errors: [NotFoundError], fields: { position: pos } }
      : { value: data };
  }

  range(pos: number, stopAfter: number | null): Outcome<[number, Uint8Array][]> {
    if (pos < 0) return { errors: [RangeError] };
    if (!this.records.has(pos)) return { errors: [NotFoundError], fields: { position: pos } };
    const visited: [number, Uint8Array][] = [];
    for (let p = pos; p < this.end; p++) {
      visited.push([p, this.records.get(p)!]);
      if (stopAfter !== null && visited.length === stopAfter) break;
    }
    return { value: visited };
  }

  append(end: number, data: Uint8Array): Outcome<void> {
    if (end < 0 || end > this.end) return { errors: [RangeError] };
    if (end < this.end) return { errors: [ConflictError], fields: { position: end } };
    this.records.set(this.end++, data.slice());
    return { value: undefined };
  }

  truncate(end: number): Outcome<void> {
    if (end < 0 || end > this.end) return { errors: [RangeError] };
    for (; this.begin < end; this.begin++) this.records.delete(this.begin);
    return { value: undefined };
  }
}

function journalProperty(harness: JournalHarness, maxOperations: number) {
  const start = harness.supportsStart === true
    ? fc.constantFrom(0, 0, 3, HIGH_START)
    : fc.constant(0);
  return fc.asyncProperty(
    start,
    fc.array(journalOpArbitrary, { maxLength: maxOperations, size: "max" }),
    async (first, ops) => {
      const journal = await harness.create(first === 0 ? {} : { start: first });
      try {
        await runJournalOps(journal, new JournalModel(first), ops);
      } finally {
        await journal.close();
      }
    },
  );
}

async function runJournalOps(journal: Journal, model: JournalModel, ops: JournalOp[]) {
  for (const [i, op] of ops.entries()) {
    const at = `operation ${i} (${op.kind})`;
    switch (op.kind) {
      case "bounds":
        break;
      case "get": {
        const pos = resolvePlace(op.place, model.begin, model.end);
        const got = await expectOutcome(
          `${at}: get(${pos})`,
          () => journal.get(pos),
          model.get(pos),
        );
        // Mutating what get returned must never reach the stored record.
        got?.fill(0xa5);
        break;
      }
      case "range": {
        const pos = resolvePlace(op.place, model.begin, model.end);
        const expected = model.range(pos, op.stopAfter);
        await expectOutcome(`${at}: range(${pos})`, async () => {
          const visited: [number, Uint8Array][] = [];
          await journal.range(pos, (p, data) => {
            visited.push([p, data.slice()]);
            data.fill(0x5a);
            const more = op.stopAfter === null || visited.length < op.stopAfter;
            return op.async ? Promise.resolve(more) : more;
          });
          return visited;
        }, expected);
        break;
      }
      case "append": {
        const end = model.end + op.delta;
        const input = op.data.slice();
        await expectOutcome(
          `${at}: append(${end})`,
          () => journal.append(end, input),
          model.append(end, op.data),
        );
        input.fill(0xee); // Mutating the input afterwards must change nothing stored.
        break;
      }
      case "appendMany":
        for (const data of op.records) {
          const end = model.end;
          await expectOutcome(
            `${at}: append(${end})`,
            () => journal.append(end, data.slice()),
            model.append(end, data),
          );
        }
        break;
      case "truncate": {
        const end = resolvePlace(op.place, model.begin, model.end);
        await expectOutcome(
          `${at}: truncate(${end})`,
          () => journal.truncate(end),
          model.truncate(end),
        );
        break;
      }
    }
    deepEqual(
      await journal.bounds(),
      { begin: model.begin, end: model.end },
      `bounds() after ${at}`,
    );
  }
  // Finally every record the model holds, read both ways.
  for (let pos = model.begin; pos < model.end; pos++) {
    deepEqual(await journal.get(pos), model.records.get(pos), `get(${pos}) at the end`);
  }
  if (model.begin < model.end) {
    deepEqual(
      await collectAll(journal, model.begin),
      [...model.records.entries()],
      `records visited by range(${model.begin}) at the end`,
    );
  }
}

async function collectAll(journal: Journal, pos: number): Promise<[number, Uint8Array][]> {
  const seen: [number, Uint8Array][] = [];
  await journal.range(pos, (p, data) => void seen.push([p, data]));
  return seen;
}

// ---------------------------------------------------------------------------------------
// The Log model

/** The largest record of the Log model, small so that too large records are common. */
const MAX_RECORD = 6;

type LogOp =
  | { kind: "write"; data: Uint8Array; expected: number | null; sync: boolean }
  | { kind: "writeBatch"; records: Uint8Array[]; expected: number | null; sync: boolean }
  | { kind: "concurrent"; records: Uint8Array[] }
  | {
    kind: "concurrentExpected";
    writes: { data: Uint8Array; expected: number | null; sync: boolean }[];
  }
  | { kind: "read"; place: Place; sync: boolean }
  | {
    kind: "readBatch";
    place: Place;
    length: number;
    maxBytes: number | null;
    sync: boolean;
  }
  | { kind: "range" }
  | { kind: "truncate"; place: Place }
  | { kind: "stream"; place: Place; take: number }
  | { kind: "reopen" }
  | { kind: "produce"; write: ProduceSpec }
  | { kind: "concurrentProduce"; writes: (ProduceSpec | PlainWrite)[] };

/** How a producer write picks its epoch, from the epoch the log holds of the producer. */
type EpochPick = "same" | "next" | "jump" | "older";
/** How it picks its seq, from the last seq the log holds of the producer in that epoch. */
type SeqPick = "next" | "retry" | "older" | "gap" | "zero";

/** A write with a producer, its epoch and seq relative to what the log holds of it. */
interface ProduceSpec {
  kind: "produce";
  /** Which of {@linkcode PRODUCER_IDS}. */
  id: number;
  epoch: EpochPick;
  seq: SeqPick;
  /** How far an older seq, a gap or a jump of epochs goes. */
  delta: number;
  /** `writeBatch` (of `records`) or `write` (of `records[0]`). */
  batch: boolean;
  records: Uint8Array[];
  /** An expectedOffset relative to the next offset, or none. */
  expected: number | null;
}

/** A write without producer among producer writes. */
interface PlainWrite {
  kind: "plain";
  data: Uint8Array;
}

/** The producers of the Log model: more than its smallest maxProducers. */
const PRODUCER_IDS = ["p0", "p1", "p2", "p3"] as const;

const logDataArbitrary = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ minLength: 1, maxLength: MAX_RECORD }) },
  { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: MAX_RECORD + 1, maxLength: MAX_RECORD + 3 }) },
);
const validDataArbitrary = fc.uint8Array({ minLength: 1, maxLength: MAX_RECORD });

/** Mostly the next write of a producer, often a retry, sometimes a gap, a stale or a new epoch. */
const produceArbitrary: fc.Arbitrary<ProduceSpec> = fc.boolean().chain((batch) =>
  fc.record({
    kind: fc.constant("produce" as const),
    id: fc.integer({ min: 0, max: PRODUCER_IDS.length - 1 }),
    epoch: fc.oneof(
      { weight: 12, arbitrary: fc.constant<EpochPick>("same") },
      { weight: 2, arbitrary: fc.constant<EpochPick>("next") },
      { weight: 1, arbitrary: fc.constant<EpochPick>("jump") },
      { weight: 2, arbitrary: fc.constant<EpochPick>("older") },
    ),
    seq: fc.oneof(
      { weight: 8, arbitrary: fc.constant<SeqPick>("next") },
      { weight: 4, arbitrary: fc.constant<SeqPick>("retry") },
      { weight: 2, arbitrary: fc.constant<SeqPick>("older") },
      { weight: 2, arbitrary: fc.constant<SeqPick>("gap") },
      { weight: 1, arbitrary: fc.constant<SeqPick>("zero") },
    ),
    delta: fc.integer({ min: 1, max: 3 }),
    batch: fc.constant(batch),
    records: batch
      ? fc.array(logDataArbitrary, { minLength: 0, maxLength: 3 })
      : fc.tuple(logDataArbitrary),
    expected: fc.oneof(
      { weight: 6, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constantFrom(-1, 1) },
    ),
  })
);
/** An expectedOffset relative to the next offset, or none (mostly). */
const expectedArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.integer({ min: -2, max: 1 }) },
);

const logOpArbitrary: fc.Arbitrary<LogOp> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      data: logDataArbitrary,
      expected: expectedArbitrary,
      sync: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("writeBatch" as const),
      records: fc.array(logDataArbitrary, { minLength: 0, maxLength: 5 }),
      expected: fc.option(fc.integer({ min: -2, max: 1 })),
      sync: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("concurrent" as const),
      records: fc.array(validDataArbitrary, { minLength: 1, maxLength: 6 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("concurrentExpected" as const),
      writes: fc.array(
        fc.record({
          data: validDataArbitrary,
          expected: fc.oneof(
            { weight: 4, arbitrary: fc.constant(0) },
            { weight: 2, arbitrary: fc.integer({ min: -1, max: 1 }) },
            { weight: 1, arbitrary: fc.constant(null) },
          ),
          // A synchronous write among them commits the writes gathered before it first.
          sync: fc.oneof(
            { weight: 4, arbitrary: fc.constant(false) },
            { weight: 1, arbitrary: fc.constant(true) },
          ),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("read" as const),
      place: placeArbitrary,
      sync: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("readBatch" as const),
      place: placeArbitrary,
      length: fc.integer({ min: 0, max: 20 }),
      maxBytes: fc.oneof(
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 * MAX_RECORD }) },
        { weight: 1, arbitrary: fc.constantFrom(Infinity, 0) },
      ),
      sync: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "range" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("truncate" as const), place: placeArbitrary }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("stream" as const),
      place: placeArbitrary,
      take: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "reopen" as const }) },
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant("produce" as const), write: produceArbitrary }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("concurrentProduce" as const),
      writes: fc.array(
        fc.oneof(
          { weight: 5, arbitrary: produceArbitrary },
          {
            weight: 1,
            arbitrary: fc.record({ kind: fc.constant("plain" as const), data: validDataArbitrary }),
          },
        ),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  },
);

interface LogConfig {
  startOffset: number;
  maxSegmentSize: number;
  producerTtl: number;
  maxProducers: number;
  /**
   * Commits a few microtasks after the writes' turn instead of in the next one, so that an
   * answer given before its commit shows.
   */
  deferCommits: boolean;
}

const logConfigArbitrary: fc.Arbitrary<LogConfig> = fc.record({
  startOffset: fc.constantFrom(0, 0, 5, HIGH_START),
  maxSegmentSize: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) },
    { weight: 1, arbitrary: fc.constant(Infinity) },
  ),
  // Operations are 100 ms apart on the model's clock: a short producerTtl expires producers.
  producerTtl: fc.constantFrom(DEFAULT_PRODUCER_TTL, 200, 250, 1_000),
  maxProducers: fc.constantFrom(DEFAULT_MAX_PRODUCERS, 2, 3),
  deferCommits: fc.boolean(),
});

interface ModelRecord {
  offset: number;
  created: Date;
  data: Uint8Array;
}

/**
 * The plain model of a log: a start, the next offset, the offset it was truncated to,
 * every record ever written, and the producer states its driver stores.
 */
class LogModel {
  readonly start: number;
  readonly size: number;
  next: number;
  /** The `before` of the latest `truncate` that removed records; `start` before any. */
  truncated: number;
  readonly records = new Map<number, ModelRecord>();
  readonly producerTtl: number;
  readonly maxProducers: number;
  /** Whether the driver gathers the writes of one turn into one commit. */
  readonly coalesce: boolean;
  /** The producer states the driver stores, by id. */
  readonly producers = new Map<string, ProducerState>();
  /** A coalescing driver's commit being gathered: its producer states, and whether one is new. */
  gathered: { states: Map<string, ProducerState>; added: boolean } | undefined;

  constructor(
    { startOffset, maxSegmentSize, producerTtl, maxProducers }: LogConfig,
    coalesce: boolean,
  ) {
    this.start = this.next = this.truncated = startOffset;
    this.size = maxSegmentSize;
    this.producerTtl = producerTtl;
    this.maxProducers = maxProducers;
    this.coalesce = coalesce;
  }

  /**
   * The earliest available offset: by the design's retention formula, or where the log
   * was truncated when that is later; `next` when the log holds no record.
   */
  get earliest(): number {
    const n = this.next - this.start;
    if (n === 0) return this.next;
    const retained = n <= this.size
      ? this.start
      : this.start + this.size * (Math.floor((n - 1) / this.size) - 1);
    return Math.max(retained, this.truncated);
  }

  /** The error a record gets from `write` or `writeBatch`, if any. */
  recordError(
    data: Uint8Array,
  ): { errors: Class<Error>[]; fields?: Record<string, number> } | undefined {
    if (data.byteLength === 0) return { errors: [RangeError] };
    if (data.byteLength > MAX_RECORD) {
      return {
        errors: [RecordTooLargeError],
        fields: { size: data.byteLength, limit: MAX_RECORD },
      };
    }
    return undefined;
  }

  add(data: Uint8Array, created: number): number {
    const offset = this.next++;
    this.records.set(offset, { offset, created: new Date(created), data: data.slice() });
    return offset;
  }

  write(data: Uint8Array, expected: number | undefined, now: number): Outcome<number> {
    if (expected === undefined) return this.recordError(data) ?? { value: this.add(data, now) };
    return this.writeBatch([data], expected, now);
  }

  writeBatch(records: Uint8Array[], expected: number | undefined, now: number): Outcome<number> {
    // When a batch is wrong in several ways, the contract does not say which error wins:
    // any of them is accepted, and fields are checked only when there is one candidate.
    const candidates: { errors: Class<Error>[]; fields?: Record<string, number> }[] = [];
    if (records.length === 0) candidates.push({ errors: [RangeError] });
    for (const data of records) {
      const error = this.recordError(data);
      if (error !== undefined) candidates.push(error);
    }
    if (expected !== undefined && expected < 0) candidates.push({ errors: [RangeError] });
    else if (expected !== undefined && expected < this.next) {
      candidates.push({ errors: [ConflictError], fields: { position: expected } });
    } else if (expected !== undefined && expected > this.next) {
      candidates.push({ errors: [RangeError] });
    }
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length > 1) return { errors: candidates.flatMap((c) => c.errors) };
    const first = this.next;
    for (const data of records) this.add(data, now);
    return { value: first };
  }

  /** The error a read of `offset` gets, if any. */
  readError(offset: number): Outcome<never> | undefined {
    if (offset < 0) return { errors: [OutOfRangeError], fields: { offset } };
    if (offset >= this.next) return { errors: [FutureOffsetError], fields: { offset } };
    if (offset < this.earliest) return { errors: [OutOfRangeError], fields: { offset } };
    return undefined;
  }

  read(offset: number): Outcome<ModelRecord> {
    return this.readError(offset) ?? { value: this.records.get(offset)! };
  }

  readBatch(offset: number, length: number, maxBytes = Infinity): Outcome<ModelRecord[]> {
    if (maxBytes <= 0) return { errors: [RangeError] };
    if (length === 0) return { value: [] };
    const error = this.readError(offset);
    if (error !== undefined) return error;
    const read: ModelRecord[] = [];
    let bytes = 0;
    for (let at = offset; at < this.next && read.length < length && bytes < maxBytes; at++) {
      const record = this.records.get(at)!;
      read.push(record);
      bytes += record.data.byteLength;
    }
    return { value: read };
  }

  truncate(before: number): Outcome<void> {
    if (before < 0 || before > this.next) return { errors: [RangeError] };
    if (before > this.earliest) this.truncated = before;
    return { value: undefined };
  }

  /** What a stream from `offset` yields from the records available now. */
  stream(offset: number, take: number): Outcome<ModelRecord[]> {
    if (offset < 0 || offset < this.earliest) {
      return { errors: [OutOfRangeError], fields: { offset } };
    }
    const count = Math.max(0, Math.min(take, this.next - offset));
    return { value: Array.from({ length: count }, (_, i) => this.records.get(offset + i)!) };
  }

  range(): { earliest: number; latest: number } {
    return this.earliest === this.next
      ? { earliest: -1, latest: -1 }
      : { earliest: this.earliest, latest: this.next - 1 };
  }

  /**
   * The last write the log holds of producer `id`, expired or not (gathered for the next
   * commit, or stored): what its writer resumes from.
   */
  lastOf(id: string): ProducerState | undefined {
    return this.gathered?.states.get(id) ?? this.producers.get(id);
  }

  /**
   * A write of `records` with `producer` at `now`: the rules of idempotent producers. A
   * producer unused for longer than producerTtl is unknown; a retry writes nothing.
   */
  produce(
    records: Uint8Array[],
    producer: Producer,
    expected: number | undefined,
    now: number,
  ): Outcome<Appended> {
    // When a write is wrong in several ways any of the errors is accepted, as for batches;
    // but a write with a wrong argument is never answered as a retry.
    const candidates: { errors: Class<Error>[]; fields?: Record<string, number> }[] = [];
    const valid = producer.epoch >= 0 && producer.seq >= 0;
    if (!valid) candidates.push({ errors: [RangeError] });
    if (expected !== undefined && expected < 0) candidates.push({ errors: [RangeError] });
    if (records.length === 0) candidates.push({ errors: [RangeError] });
    for (const data of records) {
      const error = this.recordError(data);
      if (error !== undefined) candidates.push(error);
    }
    const known = this.#known(producer.id, now);
    const decision = valid ? decide(known, producer) : undefined;
    if (decision !== undefined && "value" in decision) {
      return candidates.length === 0 ? decision : anyOf(candidates);
    }
    if (decision !== undefined) candidates.push(decision);
    else if (expected !== undefined && expected >= 0 && expected < this.next) {
      candidates.push({ errors: [ConflictError], fields: { position: expected } });
    } else if (expected !== undefined && expected > this.next) {
      candidates.push({ errors: [RangeError] });
    }
    if (candidates.length > 0) return anyOf(candidates);
    const offset = this.next;
    for (const data of records) this.add(data, now);
    const { id, epoch, seq } = producer;
    const state = { id, epoch, seq, offset, count: records.length, lastUsed: now };
    if (this.coalesce) {
      const gathered = this.gathered ??= { states: new Map(), added: false };
      gathered.states.set(id, state);
      gathered.added ||= known === undefined;
    } else {
      this.#store([state], known === undefined, now);
    }
    return { value: { offset, count: records.length, duplicate: false } };
  }

  /** The end of an operation: a coalescing driver commits what it gathered, at `now`. */
  commitTurn(now: number): void {
    const gathered = this.gathered;
    this.gathered = undefined;
    if (gathered !== undefined) this.#store([...gathered.states.values()], gathered.added, now);
  }

  /** The state a producer's write is decided by: gathered, or stored and not expired. */
  #known(id: string, now: number): ProducerState | undefined {
    const gathered = this.gathered?.states.get(id);
    if (gathered !== undefined) return gathered;
    const stored = this.producers.get(id);
    return stored === undefined || stored.lastUsed < now - this.producerTtl ? undefined : stored;
  }

  /**
   * Stores a commit's producer states. When one is new, the expired go, then the least
   * recently used while more than maxProducers are kept; the commit's own states last, in
   * its order (the clock of the model never repeats a time, so "least recently used" is
   * always one producer).
   */
  #store(states: ProducerState[], added: boolean, now: number): void {
    const ids = new Set(states.map((state) => state.id));
    for (const state of states) this.producers.set(state.id, state);
    if (!added) return;
    const order = [...this.producers.values()]
      .filter((state) => !ids.has(state.id))
      .sort((a, b) => a.lastUsed - b.lastUsed)
      .concat(states);
    for (const state of order) {
      const expired = state.lastUsed < now - this.producerTtl;
      if (!expired && this.producers.size <= this.maxProducers) break;
      this.producers.delete(state.id);
    }
  }
}

/** The rules of idempotent producers: the answer to a write, or its error; undefined to write. */
function decide(
  known: ProducerState | undefined,
  { epoch, seq }: Producer,
):
  | { value: Appended }
  | { errors: Class<Error>[]; fields: Record<string, number> }
  | undefined {
  const gap = (expectedSeq: number) => ({
    errors: [ProducerSeqGapError],
    fields: { expectedSeq, receivedSeq: seq },
  });
  if (known === undefined || epoch > known.epoch) return seq === 0 ? undefined : gap(0);
  if (epoch < known.epoch) {
    return { errors: [StaleEpochError], fields: { currentEpoch: known.epoch, epoch } };
  }
  if (seq === known.seq) {
    return { value: { offset: known.offset, count: known.count, duplicate: true } };
  }
  if (seq < known.seq) return { value: { offset: -1, count: 0, duplicate: true } };
  return seq === known.seq + 1 ? undefined : gap(known.seq + 1);
}

/** One error among `candidates`: with its fields when there is only one. */
function anyOf(
  candidates: { errors: Class<Error>[]; fields?: Record<string, number> }[],
): { errors: Class<Error>[]; fields?: Record<string, number> } {
  return candidates.length === 1 ? candidates[0]! : { errors: candidates.flatMap((c) => c.errors) };
}

/** The producer a write of `spec` names, from what the model holds of it. */
function resolveProducer(spec: ProduceSpec, model: LogModel): Producer {
  const id = PRODUCER_IDS[spec.id]!;
  const last = model.lastOf(id);
  const current = last?.epoch ?? 0;
  const epoch = {
    same: current,
    next: current + 1,
    jump: current + 1 + spec.delta,
    older: current - 1,
  }[spec.epoch];
  if (last === undefined || epoch !== current) {
    return { id, epoch, seq: spec.seq === "gap" ? spec.delta : 0 };
  }
  const seq = {
    next: last.seq + 1,
    retry: last.seq,
    older: last.seq - spec.delta,
    gap: last.seq + 1 + spec.delta,
    zero: 0,
  }[spec.seq];
  return { id, epoch, seq };
}

function logProperty(harness: LogHarness, maxOperations: number) {
  return fc.asyncProperty(
    logConfigArbitrary,
    fc.array(logOpArbitrary, { maxLength: maxOperations, size: "max" }),
    async (config, ops) => {
      const journal = await harness.create();
      try {
        await runLogOps(journal, config, ops);
      } finally {
        await journal.close();
      }
    },
  );
}

/** Calls `write` or `writeBatch` with copies of the records of `spec`, as `producer`. */
function produce(
  log: Log,
  spec: ProduceSpec,
  producer: Producer,
  expected: number | undefined,
): Promise<Appended> {
  const opts = expected === undefined ? { producer } : { producer, expectedOffset: expected };
  const inputs = spec.records.map((data) => data.slice());
  return spec.batch ? log.writeBatch(inputs, opts) : log.write(inputs[0]!, opts);
}

/** A producer write for a failure message. */
function describeProduce(
  spec: ProduceSpec,
  producer: Producer,
  expected: number | undefined,
): string {
  const call = spec.batch ? `writeBatch(${spec.records.length} records` : "write(1 record";
  const { id, epoch, seq } = producer;
  return `${call}, producer ${id} epoch ${epoch} seq ${seq}, expectedOffset ${expected})`;
}

async function runLogOps(journal: StorageJournal, config: LogConfig, ops: LogOp[]) {
  let now = 0;
  const { deferCommits, ...options } = config;
  const deferred = deferCommits
    ? {
      scheduleCommit: (commit: () => void) =>
        void Promise.resolve().then(() => undefined).then(() => undefined).then(commit),
    }
    : {};
  const open = () => {
    try {
      return new Log({
        ...options,
        ...deferred,
        maxRecordSize: MAX_RECORD,
        journal,
        clock: () => new Date(now),
      });
    } catch (error) {
      if (error instanceof TypeError) {
        fail(`Expected the harness to create storage drivers for the Log model: ${error.message}`);
      }
      throw error;
    }
  };
  let log = open();
  const model = new LogModel(config, journal.coalescesWrites);
  const compareRecords = (what: string) => (actual: LogRecord[], expected: ModelRecord[]) => {
    deepEqual(actual, expected, what);
    for (const record of actual) new Uint8Array(record.data.buffer).fill(0x77);
  };
  for (const [i, op] of ops.entries()) {
    now = 1_000_000 + i * 100;
    const at = `operation ${i} (${op.kind})`;
    const place = (p: Place) => resolvePlace(p, model.earliest, model.next);
    switch (op.kind) {
      case "write": {
        const expected = op.expected === null ? undefined : model.next + op.expected;
        const input = op.data.slice();
        const opts = expected === undefined ? undefined : { expectedOffset: expected };
        await expectOutcome(
          `${at}: ${op.sync ? "writeSync" : "write"}(expectedOffset ${expected})`,
          op.sync ? settledSync(() => log.writeSync(input, opts)) : () => log.write(input, opts),
          model.write(op.data, expected, now),
        );
        input.fill(0xee);
        break;
      }
      case "writeBatch": {
        const expected = op.expected === null ? undefined : model.next + op.expected;
        const inputs = op.records.map((data) => data.slice());
        const opts = expected === undefined ? {} : { expectedOffset: expected };
        await expectOutcome(
          `${at}: ${op.sync ? "writeBatchSync" : "writeBatch"}(${op.records.length} records, ` +
            `expectedOffset ${expected})`,
          op.sync
            ? settledSync(() => log.writeBatchSync(inputs, opts))
            : () => log.writeBatch(inputs, opts),
          model.writeBatch(op.records, expected, now),
        );
        for (const input of inputs) input.fill(0xee);
        break;
      }
      case "concurrent": {
        const first = model.next;
        const offsets = await Promise.all(op.records.map((data) => log.write(data.slice())));
        deepEqual(
          [...offsets].sort((a, b) => a - b),
          op.records.map((_, k) => first + k),
          `${at}: the offsets of concurrent writes`,
        );
        // The model learns which write got which offset from the log: any order is valid.
        const byOffset = new Map(offsets.map((offset, k) => [offset, op.records[k]!]));
        for (let k = 0; k < op.records.length; k++) model.add(byOffset.get(first + k)!, now);
        break;
      }
      case "concurrentExpected": {
        // Issued with no await in between; each expects an offset relative to the next one
        // counting the writes issued before it, gathered for one commit or not.
        const calls: Promise<number>[] = [];
        const outcomes: Outcome<number>[] = [];
        for (const { data, expected: delta, sync } of op.writes) {
          const expected = delta === null ? undefined : model.next + delta;
          outcomes.push(model.write(data, expected, now));
          const opts = expected === undefined ? undefined : { expectedOffset: expected };
          const call = sync
            ? settledSync(() => log.writeSync(data.slice(), opts))()
            : log.write(data.slice(), opts);
          call.catch(() => {}); // Awaited below, one after another.
          calls.push(call);
        }
        for (let k = 0; k < calls.length; k++) {
          await expectOutcome(`${at}: write ${k}`, () => calls[k]!, outcomes[k]!);
        }
        break;
      }
      case "read": {
        const offset = place(op.place);
        const got = await expectOutcome(
          `${at}: ${op.sync ? "readSync" : "read"}(${offset})`,
          op.sync ? settledSync(() => log.readSync(offset)) : () => log.read(offset),
          model.read(offset),
        );
        got?.data.fill(0x55);
        break;
      }
      case "readBatch": {
        const offset = place(op.place);
        const sentinel: LogRecord = { offset: -9, created: new Date(0), data: new Uint8Array(1) };
        const batch = new Array<LogRecord>(op.length).fill(sentinel);
        const opts = op.maxBytes === null ? undefined : { maxBytes: op.maxBytes };
        const read = op.sync
          ? () => log.readBatchSync(offset, batch, opts)
          : () => log.readBatch(offset, batch, opts);
        const name = op.sync ? "readBatchSync" : "readBatch";
        await expectOutcome(
          `${at}: ${name}(${offset}, ${op.length} slots, maxBytes ${op.maxBytes})`,
          async () => {
            const count = await read();
            for (let k = count; k < batch.length; k++) {
              equal(batch[k], sentinel, `${at}: batch[${k}] past the count`);
            }
            return batch.slice(0, count);
          },
          model.readBatch(offset, op.length, op.maxBytes ?? undefined),
          compareRecords(`${at}: ${name}(${offset})`),
        );
        break;
      }
      case "range":
        break;
      case "truncate": {
        const before = place(op.place);
        await expectOutcome(
          `${at}: truncate(${before})`,
          () => log.truncate(before),
          model.truncate(before),
        );
        break;
      }
      case "stream": {
        const offset = place(op.place);
        const controller = new AbortController();
        const stream = log.stream(offset, { signal: controller.signal });
        const expected = model.stream(offset, op.take);
        await expectOutcome(
          `${at}: stream(${offset})`,
          async () => {
            const take = "value" in expected ? expected.value.length : 1;
            const yielded: LogRecord[] = [];
            for (let k = 0; k < take; k++) {
              const { done, value } = await stream.next();
              equal(done, false, `${at}: done`);
              yielded.push(value!);
            }
            return yielded;
          },
          expected,
          compareRecords(`${at}: stream(${offset})`),
        );
        // Once the signal is aborted, next() rejects with its reason, records waiting or not.
        controller.abort();
        if ("value" in expected) await rejectsWith(() => stream.next(), controller.signal.reason);
        break;
      }
      case "reopen":
        log = open();
        break;
      case "produce": {
        const { write } = op;
        const producer = resolveProducer(write, model);
        const expected = write.expected === null ? undefined : model.next + write.expected;
        const outcome = model.produce(write.records, producer, expected, now);
        await expectOutcome(
          `${at}: ${describeProduce(write, producer, expected)}`,
          () => produce(log, write, producer, expected),
          outcome,
        );
        model.commitTurn(now);
        break;
      }
      case "concurrentProduce": {
        // Issued with no await in between, each at a time of its own; each is decided by the
        // writes issued before it, gathered for one commit or not.
        const calls: Promise<number | Appended>[] = [];
        const outcomes: Outcome<number | Appended>[] = [];
        const what: string[] = [];
        /** The end of the log when each call resolved. */
        const ends: Promise<number>[] = [];
        for (const [k, write] of op.writes.entries()) {
          now = 1_000_000 + i * 100 + k;
          if (write.kind === "plain") {
            outcomes.push(model.write(write.data, undefined, now));
            calls.push(log.write(write.data.slice()));
            what.push("write()");
          } else {
            const producer = resolveProducer(write, model);
            const expected = write.expected === null ? undefined : model.next + write.expected;
            outcomes.push(model.produce(write.records, producer, expected, now));
            calls.push(produce(log, write, producer, expected));
            what.push(describeProduce(write, producer, expected));
          }
          ends.push(calls[k]!.then(() => log.boundsSync().end, () => -1));
        }
        for (let k = 0; k < calls.length; k++) {
          const value = await expectOutcome(
            `${at}: write ${k}, ${what[k]}`,
            () => calls[k]!,
            outcomes[k]!,
          );
          // No answer comes before the records it names are stored.
          const last = typeof value === "number" ? value : value && value.offset + value.count - 1;
          const end = await ends[k]!;
          ok(
            last === undefined || last < end,
            `Expected ${at}: write ${k} to resolve once offset "${last}" is stored, the end was "${end}"`,
          );
        }
        model.commitTurn(now);
        break;
      }
    }
    for (const id of PRODUCER_IDS) {
      deepEqual(
        journal.readProducer(id),
        model.producers.get(id),
        `the driver-level state of ${id} after ${at}`,
      );
    }
    const range = model.range();
    deepEqual(await log.range(), range, `range() after ${at}`);
    const bounds = { begin: model.earliest, end: model.next };
    deepEqual(await journal.bounds(), bounds, `journal.bounds() after ${at}`);
    deepEqual(await log.bounds(), bounds, `bounds() after ${at}`);
    deepEqual(log.boundsSync(), bounds, `boundsSync() after ${at}`);
  }
  // Finally every available record, read one by one through the Log and the journal.
  for (let offset = model.earliest; offset < model.next; offset++) {
    const expected = model.records.get(offset)!;
    deepEqual(await log.read(offset), expected, `read(${offset}) at the end`);
    deepEqual(await journal.get(offset), expected.data, `journal.get(${offset}) at the end`);
  }
}
