/**
 * The conformance cases of idempotent producers, part of the Log contract over a storage
 * driver: `Log.write` and `Log.writeBatch` with a `producer` (id, epoch, seq), the
 * answers to retries, gaps and stale epochs, how long a log keeps a producer, and the
 * driver-level storage of producer states beside the records.
 *
 * @module
 */
import {
  ClosedError,
  ConflictError,
  LogError,
  ProducerSeqGapError,
  RecordTooLargeError,
  StaleEpochError,
} from "../core/errors.ts";
import { Log, type LogRecord } from "../core/log.ts";
import {
  type Appended,
  MAX_PRODUCER_ID_LENGTH,
  type Producer,
  type ProducerCommit,
  type ProducerState,
} from "../core/producer.ts";
import type { NewRecord } from "../core/storage_journal.ts";
import {
  assertQuotes,
  type Class,
  deepEqual,
  equal,
  instanceOf,
  ok,
  rejects,
  rejectsWith,
  throws,
} from "./assert.ts";
import { abortedSignal, bytes, record, unsafe } from "./fixtures.ts";
import type { Define } from "./log_context.ts";

/** The write number `seq` of the producer `id` in `epoch`. */
function producer(id: string, seq: number, epoch = 0): Producer {
  return { id, epoch, seq };
}

/** What a write that stored `count` records from `offset` resolves. */
function written(offset: number, count = 1): Appended {
  return { offset, count, duplicate: false };
}

/** What a retry of a producer's last write resolves: that write's offsets. */
function retried(offset: number, count = 1): Appended {
  return { offset, count, duplicate: true };
}

/** What a retry of an older write than the producer's last one resolves. */
const OLDER: Appended = { offset: -1, count: 0, duplicate: true };

/** The records `record(i)` for each `i`. */
function records(...numbers: number[]): Uint8Array[] {
  return numbers.map(record);
}

/** Every record the log holds, in offset order. */
async function contents(log: Log): Promise<Uint8Array[]> {
  const { begin, end } = await log.bounds();
  if (begin === end) return [];
  const batch = new Array<LogRecord>(end - begin);
  const count = await log.readBatch(begin, batch);
  return batch.slice(0, count).map((r) => r.data);
}

/** The epoch, seq and offsets a driver keeps of a producer, or `undefined`. */
function kept(log: Log, id: string): Omit<ProducerState, "lastUsed"> | undefined {
  const state = log.journal.readProducer(id);
  if (state === undefined) return undefined;
  const { epoch, seq, offset, count } = state;
  return { id: state.id, epoch, seq, offset, count };
}

/** The state a driver keeps after the write `seq` of `id` stored `count` records at `offset`. */
function keptAfter(
  id: string,
  epoch: number,
  seq: number,
  offset: number,
  count = 1,
): Omit<ProducerState, "lastUsed"> {
  return { id, epoch, seq, offset, count };
}

/** A clock that a case sets by hand, in milliseconds. */
class ManualClock {
  ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  /** The clock as the Log takes it. */
  readonly read = (): Date => new Date(this.ms);
}

/** Checks the fields of a ProducerSeqGapError and that its message quotes both numbers. */
function gap(expectedSeq: number, receivedSeq: number) {
  return (e: ProducerSeqGapError) => {
    equal(e.expectedSeq, expectedSeq, "expectedSeq");
    equal(e.receivedSeq, receivedSeq, "receivedSeq");
    assertQuotes(e, expectedSeq);
    assertQuotes(e, receivedSeq);
  };
}

/** Checks the fields of a StaleEpochError and that its message quotes both epochs. */
function stale(currentEpoch: number, epoch: number) {
  return (e: StaleEpochError) => {
    equal(e.currentEpoch, currentEpoch, "currentEpoch");
    equal(e.epoch, epoch, "epoch");
    assertQuotes(e, currentEpoch);
    assertQuotes(e, epoch);
  };
}

/** Registers the producer cases with the Log suite's `define`. */
export function defineProducers(define: Define): void {
  defineSequence(define);
  defineEpochs(define);
  defineConcurrency(define);
  defineFailures(define);
  defineRetention(define);
  defineValidation(define);
  defineDriverLevel(define);
  defineProducerErrors(define);
  defineState(define);
}

function defineState(define: Define): void {
  define(
    "`producerState()` is what the next write is decided against: the last write of the current epoch, undefined once expired or never seen",
    async (ctx) => {
      const TTL = 60_000;
      const clock = new ManualClock(1_000_000);
      const log = await ctx.log({ clock: clock.read, producerTtl: TTL });
      equal(log.producerState("p"), undefined, "a producer never seen");
      await log.write(record(0), { producer: producer("p", 0) });
      await log.writeBatch(records(1, 2), { producer: producer("p", 1) });
      deepEqual(
        log.producerState("p"),
        { id: "p", epoch: 0, seq: 1, offset: 1, count: 2, lastUsed: 1_000_000 },
        "after seq 1, a batch of two",
      );
      await log.write(record(3), { producer: producer("p", 0, 4) });
      deepEqual(
        log.producerState("p"),
        { id: "p", epoch: 4, seq: 0, offset: 3, count: 1, lastUsed: 1_000_000 },
        "after a new epoch",
      );
      // A retry changes nothing.
      await log.write(record(3), { producer: producer("p", 0, 4) });
      equal(log.producerState("p")?.offset, 3, "after a retry");
      clock.ms = 1_000_000 + TTL + 1;
      equal(log.producerState("p"), undefined, "unused for longer than producerTtl");
    },
  );
}

function defineSequence(define: Define): void {
  define(
    "`write()` with a producer writes its seq 0, 1, 2 and resolves { offset, count: 1, duplicate: false }",
    async (ctx) => {
      const clock = new ManualClock(50_000);
      const log = await ctx.log({ startOffset: 4, clock: clock.read });
      for (let seq = 0; seq < 3; seq++) {
        clock.ms = 50_000 + seq;
        deepEqual(
          await log.write(record(seq), { producer: producer("p", seq) }),
          written(4 + seq),
          `write seq ${seq}`,
        );
      }
      // An unknown producer may start in any epoch, at seq 0.
      deepEqual(
        await log.write(record(3), { producer: producer("q", 0, 7) }),
        written(7),
        "write of a new producer in epoch 7",
      );
      deepEqual(await contents(log), records(0, 1, 2, 3), "the records stored");
      deepEqual(
        log.journal.readProducer("p"),
        { id: "p", epoch: 0, seq: 2, offset: 6, count: 1, lastUsed: 50_002 },
        "the driver-level state of p",
      );
      deepEqual(kept(log, "q"), keptAfter("q", 7, 0, 7), "the driver-level state of q");
    },
  );

  define(
    "`write()` with a producer answers a retry of its last write with the original offsets and writes nothing",
    async (ctx) => {
      const log = await ctx.log();
      equal(await log.write(record(9)), 0, "offset of a write without producer");
      deepEqual(await log.write(record(0), { producer: producer("p", 0) }), written(1), "seq 0");
      deepEqual(await log.write(record(1), { producer: producer("p", 1) }), written(2), "seq 1");
      // The seq decides, not the bytes: a retry with other data is a retry too.
      for (const data of [record(1), record(7)]) {
        deepEqual(
          await log.write(data, { producer: producer("p", 1) }),
          retried(2),
          `retry of seq 1 with ${data[0]}`,
        );
      }
      deepEqual(
        await log.writeBatch(records(5, 6), { producer: producer("p", 1) }),
        retried(2),
        "retry of seq 1 as a batch of two",
      );
      deepEqual(log.boundsSync(), { begin: 0, end: 3 }, "bounds after the retries");
      deepEqual(await contents(log), records(9, 0, 1), "the records stored");
      deepEqual(kept(log, "p"), keptAfter("p", 0, 1, 2), "the driver-level state");
      deepEqual(
        await log.write(record(2), { producer: producer("p", 2) }),
        written(3),
        "seq 2 after the retries",
      );
    },
  );

  define(
    "`write()` with a producer answers a retry of an older write with offset -1 and count 0 and writes nothing",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 10 });
      for (let seq = 0; seq < 4; seq++) {
        await log.write(record(seq), { producer: producer("p", seq) });
      }
      for (let seq = 0; seq < 3; seq++) {
        deepEqual(
          await log.write(record(seq), { producer: producer("p", seq) }),
          OLDER,
          `retry of seq ${seq}`,
        );
        deepEqual(
          await log.writeBatch(records(seq, seq), { producer: producer("p", seq) }),
          OLDER,
          `retry of seq ${seq} as a batch`,
        );
      }
      deepEqual(log.boundsSync(), { begin: 10, end: 14 }, "bounds after the retries");
      deepEqual(await contents(log), records(0, 1, 2, 3), "the records stored");
      deepEqual(kept(log, "p"), keptAfter("p", 0, 3, 13), "the driver-level state");
      deepEqual(
        await log.write(record(4), { producer: producer("p", 4) }),
        written(14),
        "seq 4 after the retries",
      );
    },
  );

  define(
    "`write()` with a producer rejects ProducerSeqGapError when its seq skips ahead, and writes nothing",
    async (ctx) => {
      const log = await ctx.log();
      await log.write(record(0), { producer: producer("p", 0) });
      await log.write(record(1), { producer: producer("p", 1) });
      for (const seq of [3, 4, 1000, Number.MAX_SAFE_INTEGER]) {
        await rejects(
          () => log.write(record(seq), { producer: producer("p", seq) }),
          ProducerSeqGapError,
          gap(2, seq),
        );
        await rejects(
          () => log.writeBatch(records(seq, seq), { producer: producer("p", seq) }),
          ProducerSeqGapError,
          gap(2, seq),
        );
      }
      deepEqual(log.boundsSync(), { begin: 0, end: 2 }, "bounds after the gaps");
      deepEqual(kept(log, "p"), keptAfter("p", 0, 1, 1), "the driver-level state");
      deepEqual(await log.write(record(2), { producer: producer("p", 2) }), written(2), "seq 2");
    },
  );

  define(
    "`write()` of a producer the log does not know rejects ProducerSeqGapError with expectedSeq 0 when its seq is above 0",
    async (ctx) => {
      const log = await ctx.log();
      await log.write(record(9), { producer: producer("other", 0) });
      for (const epoch of [0, 3]) {
        for (const seq of [1, 5]) {
          await rejects(
            () => log.write(record(seq), { producer: producer("p", seq, epoch) }),
            ProducerSeqGapError,
            gap(0, seq),
          );
        }
      }
      equal(log.journal.readProducer("p"), undefined, "the driver-level state of p");
      deepEqual(log.boundsSync(), { begin: 0, end: 1 }, "bounds after the gaps");
      deepEqual(
        await log.write(record(0), { producer: producer("p", 0, 3) }),
        written(1),
        "seq 0 of epoch 3",
      );
    },
  );

  define(
    "`writeBatch()` with a producer is one seq: it resolves its first offset and count, and so does a retry",
    async (ctx) => {
      const log = await ctx.log({ startOffset: 2 });
      deepEqual(
        await log.writeBatch(records(0, 1, 2), { producer: producer("p", 0) }),
        written(2, 3),
        "the batch, seq 0",
      );
      deepEqual(
        await log.writeBatch(records(0, 1, 2), { producer: producer("p", 0) }),
        retried(2, 3),
        "a retry of the batch",
      );
      deepEqual(
        await log.write(record(0), { producer: producer("p", 0) }),
        retried(2, 3),
        "a retry of the batch as a single write",
      );
      deepEqual(await log.write(record(3), { producer: producer("p", 1) }), written(5), "seq 1");
      deepEqual(
        await log.writeBatch(records(0, 1, 2), { producer: producer("p", 0) }),
        OLDER,
        "a retry of the batch after seq 1",
      );
      deepEqual(
        await log.writeBatch(records(4, 5), { producer: producer("p", 2) }),
        written(6, 2),
        "a batch of two, seq 2",
      );
      deepEqual(kept(log, "p"), keptAfter("p", 0, 2, 6, 2), "the driver-level state");
      deepEqual(await contents(log), records(0, 1, 2, 3, 4, 5), "the records stored");
    },
  );

  define(
    "A retry is answered with the original offsets after retention or `truncate()` removed its records",
    async (ctx) => {
      const log = await ctx.log({ maxSegmentSize: 2 });
      deepEqual(
        await log.writeBatch(records(0, 1), { producer: producer("p", 0) }),
        written(0, 2),
        "seq 0",
      );
      for (let i = 2; i < 8; i++) await log.write(record(i));
      deepEqual(log.boundsSync(), { begin: 4, end: 8 }, "bounds after retention");
      deepEqual(
        await log.writeBatch(records(0, 1), { producer: producer("p", 0) }),
        retried(0, 2),
        "a retry after retention",
      );
      deepEqual(await log.write(record(8), { producer: producer("p", 1) }), written(8), "seq 1");
      await log.truncate(9);
      deepEqual(
        await log.write(record(8), { producer: producer("p", 1) }),
        retried(8),
        "a retry after truncate()",
      );
      deepEqual(log.boundsSync(), { begin: 9, end: 9 }, "bounds after the retries");
    },
  );
}

function defineEpochs(define: Define): void {
  define(
    "`write()` with a producer rejects StaleEpochError for an epoch below the current one, retries included, and writes nothing",
    async (ctx) => {
      const log = await ctx.log();
      await log.write(record(0), { producer: producer("p", 0, 1) });
      await log.write(record(1), { producer: producer("p", 0, 2) });
      await log.write(record(2), { producer: producer("p", 1, 2) });
      // A retry of a write the old epoch made, the old epoch's next seq, and a gap.
      for (const [epoch, seq] of [[1, 0], [1, 1], [0, 0], [1, 9]] as const) {
        await rejects(
          () => log.write(record(seq), { producer: producer("p", seq, epoch) }),
          StaleEpochError,
          stale(2, epoch),
        );
        await rejects(
          () => log.writeBatch(records(seq), { producer: producer("p", seq, epoch) }),
          StaleEpochError,
          stale(2, epoch),
        );
      }
      deepEqual(log.boundsSync(), { begin: 0, end: 3 }, "bounds after the stale writes");
      deepEqual(kept(log, "p"), keptAfter("p", 2, 1, 2), "the driver-level state");
      deepEqual(
        await log.write(record(3), { producer: producer("p", 2, 2) }),
        written(3),
        "seq 2 of epoch 2",
      );
    },
  );

  define(
    "A higher epoch takes over a producer id at seq 0 and fences off the lower one",
    async (ctx) => {
      const log = await ctx.log();
      for (let seq = 0; seq < 3; seq++) {
        await log.write(record(seq), { producer: producer("p", seq, 0) });
      }
      // The new writer's numbers start again at 0, below the old writer's last seq.
      deepEqual(
        await log.write(record(3), { producer: producer("p", 0, 1) }),
        written(3),
        "seq 0 of epoch 1",
      );
      deepEqual(
        await log.write(record(3), { producer: producer("p", 0, 1) }),
        retried(3),
        "a retry of seq 0 of epoch 1",
      );
      for (const seq of [3, 2]) {
        await rejects(
          () => log.write(record(seq), { producer: producer("p", seq, 0) }),
          StaleEpochError,
          stale(1, 0),
        );
      }
      deepEqual(
        await log.write(record(4), { producer: producer("p", 1, 1) }),
        written(4),
        "seq 1 of epoch 1",
      );
      // Epochs need not be consecutive.
      deepEqual(
        await log.write(record(5), { producer: producer("p", 0, 5) }),
        written(5),
        "seq 0 of epoch 5",
      );
      await rejects(
        () => log.write(record(5), { producer: producer("p", 2, 1) }),
        StaleEpochError,
        stale(5, 1),
      );
      deepEqual(kept(log, "p"), keptAfter("p", 5, 0, 5), "the driver-level state");
      deepEqual(await contents(log), records(0, 1, 2, 3, 4, 5), "the records stored");
    },
  );

  define(
    "A new epoch whose first write is not seq 0 rejects ProducerSeqGapError with expectedSeq 0 and fences nothing off",
    async (ctx) => {
      const log = await ctx.log();
      await log.write(record(0), { producer: producer("p", 0, 0) });
      await log.write(record(1), { producer: producer("p", 1, 0) });
      for (const seq of [1, 2, 7]) {
        await rejects(
          () => log.write(record(seq), { producer: producer("p", seq, 1) }),
          ProducerSeqGapError,
          gap(0, seq),
        );
      }
      deepEqual(kept(log, "p"), keptAfter("p", 0, 1, 1), "the driver-level state");
      // The refused epoch took nothing over: the current one goes on.
      deepEqual(
        await log.write(record(2), { producer: producer("p", 2, 0) }),
        written(2),
        "seq 2 of epoch 0",
      );
      deepEqual(
        await log.write(record(3), { producer: producer("p", 0, 1) }),
        written(3),
        "seq 0 of epoch 1",
      );
      deepEqual(await contents(log), records(0, 1, 2, 3), "the records stored");
    },
  );
}

function defineConcurrency(define: Define): void {
  define(
    "Retries issued in the same turn as the write they repeat are stored once and answered with its offsets once it is stored",
    async (ctx) => {
      // A commit deferred to a later task: an answer given before it would show.
      const log = await ctx.log({ scheduleCommit: (commit) => setTimeout(commit, 0) });
      await log.write(record(9));
      // Issued without an await in between: a coalescing driver gathers them in one commit.
      const calls: Promise<Appended>[] = [
        log.write(record(0), { producer: producer("p", 0) }),
        log.write(record(0), { producer: producer("p", 0) }),
        log.writeBatch(records(1, 2), { producer: producer("p", 1) }),
        log.writeBatch(records(1, 2), { producer: producer("p", 1) }),
        log.write(record(0), { producer: producer("p", 0) }),
        log.write(record(3), { producer: producer("p", 2) }),
        log.write(record(3), { producer: producer("p", 2) }),
      ];
      // The end of the log when each call resolves: no answer comes before its records are stored.
      const ends = calls.map((call) => call.then(() => log.boundsSync().end, () => -1));
      deepEqual(
        await Promise.all(calls),
        [written(1), retried(1), written(2, 2), retried(2, 2), OLDER, written(4), retried(4)],
        "the answers",
      );
      const resolvedAt = await Promise.all(ends);
      for (const [i, end] of [2, 2, 4, 4, 1, 5, 5].entries()) {
        ok(
          resolvedAt[i]! >= end,
          `Expected call ${i} to resolve once the log ends at "${end}" or later, it ended at "${
            resolvedAt[i]
          }"`,
        );
      }
      deepEqual(log.boundsSync(), { begin: 0, end: 5 }, "bounds");
      deepEqual(await contents(log), records(9, 0, 1, 2, 3), "the records stored");
      deepEqual(kept(log, "p"), keptAfter("p", 0, 2, 4), "the driver-level state");
    },
  );

  define(
    "Writes of several producers interleave, each producer with its own seq, epoch and last write",
    async (ctx) => {
      const log = await ctx.log();
      deepEqual(await log.write(record(0), { producer: producer("a", 0) }), written(0), "a0");
      deepEqual(await log.write(record(1), { producer: producer("b", 0) }), written(1), "b0");
      equal(typeof await log.write(record(2)), "number", "typeof a write without producer");
      deepEqual(await log.write(record(3), { producer: producer("a", 1) }), written(3), "a1");
      deepEqual(await log.write(record(4), { producer: producer("c", 0, 3) }), written(4), "c0");
      deepEqual(
        await log.writeBatch(records(5, 6), { producer: producer("b", 1) }),
        written(5, 2),
        "b1",
      );
      // Issued in one turn, mixed with retries and a gap of another producer.
      const calls = [
        log.write(record(7), { producer: producer("a", 2) }),
        log.write(record(8), { producer: producer("b", 2) }),
        log.write(record(9), { producer: producer("c", 5, 3) }),
        log.write(record(9), { producer: producer("c", 1, 3) }),
        log.write(record(7), { producer: producer("a", 2) }),
        log.writeBatch(records(5, 6), { producer: producer("b", 1) }),
        log.write(record(10)),
      ];
      const results = await Promise.allSettled(calls);
      const outcome = (i: number) => {
        const result = results[i]!;
        return result.status === "fulfilled" ? result.value : result.reason;
      };
      deepEqual(outcome(0), written(7), "a2");
      deepEqual(outcome(1), written(8), "b2");
      instanceOf(outcome(2), ProducerSeqGapError, "the rejection of c5");
      deepEqual(outcome(3), written(9), "c1");
      deepEqual(outcome(4), retried(7), "a retry of a2");
      deepEqual(outcome(5), OLDER, "a retry of b1, which b2 followed");
      equal(outcome(6), 10, "the write without producer");
      deepEqual(await log.write(record(1), { producer: producer("b", 0) }), OLDER, "b0 again");
      deepEqual(kept(log, "a"), keptAfter("a", 0, 2, 7), "the state of a");
      deepEqual(kept(log, "b"), keptAfter("b", 0, 2, 8), "the state of b");
      deepEqual(kept(log, "c"), keptAfter("c", 3, 1, 9), "the state of c");
      deepEqual(
        await contents(log),
        records(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        "the records stored",
      );
    },
  );

  define(
    "`write()` with a producer and expectedOffset: a retry of the write that succeeded is a duplicate, not a conflict",
    async (ctx) => {
      const log = await ctx.log();
      await log.write(record(9));
      deepEqual(
        await log.write(record(0), { producer: producer("p", 0), expectedOffset: 1 }),
        written(1),
        "seq 0 expecting 1",
      );
      deepEqual(
        await log.write(record(0), { producer: producer("p", 0), expectedOffset: 1 }),
        retried(1),
        "its retry, expecting 1 again",
      );
      // The same in one turn: the retry is gathered with the write it repeats.
      const calls = [
        log.write(record(1), { producer: producer("p", 1), expectedOffset: 2 }),
        log.write(record(1), { producer: producer("p", 1), expectedOffset: 2 }),
        log.writeBatch(records(2, 3), { producer: producer("p", 2), expectedOffset: 3 }),
        log.writeBatch(records(2, 3), { producer: producer("p", 2), expectedOffset: 3 }),
      ];
      deepEqual(
        await Promise.all(calls),
        [written(2), retried(2), written(3, 2), retried(3, 2)],
        "the answers in one turn",
      );
      deepEqual(await contents(log), records(9, 0, 1, 2, 3), "the records stored");
    },
  );

  define(
    "`write()` with a producer whose expectedOffset is refused leaves the producer's state unchanged: the same seq can be sent again",
    async (ctx) => {
      const log = await ctx.log();
      deepEqual(await log.write(record(0), { producer: producer("p", 0) }), written(0), "seq 0");
      equal(await log.write(record(1)), 1, "another writer takes offset 1");
      await rejects(
        () => log.write(record(2), { producer: producer("p", 1), expectedOffset: 1 }),
        ConflictError,
        (e) => equal(e.position, 1, "position"),
      );
      await rejects(
        () => log.writeBatch(records(2), { producer: producer("p", 1), expectedOffset: 5 }),
        RangeError,
      );
      deepEqual(kept(log, "p"), keptAfter("p", 0, 0, 0), "the state after the refusals");
      deepEqual(
        await log.write(record(2), { producer: producer("p", 1), expectedOffset: 2 }),
        written(2),
        "seq 1 sent again, expecting 2",
      );
      // Taken by a write issued before it in the same turn (gathered for the same commit).
      const results = await Promise.allSettled([
        log.write(record(3)),
        log.write(record(4), { producer: producer("p", 2), expectedOffset: 3 }),
      ]);
      deepEqual(results[0], { status: "fulfilled", value: 3 }, "the write that takes 3");
      const refused = results[1]!;
      ok(refused.status === "rejected", "Expected seq 2 expecting 3 to be refused");
      instanceOf(refused.reason, ConflictError, "its rejection");
      deepEqual(kept(log, "p"), keptAfter("p", 0, 1, 2), "the state after the conflict");
      deepEqual(
        await log.write(record(4), { producer: producer("p", 2), expectedOffset: 4 }),
        written(4),
        "seq 2 sent again, expecting 4",
      );
      // A producer the log did not know is not stored by a refused write.
      await rejects(
        () => log.write(record(5), { producer: producer("q", 0), expectedOffset: 0 }),
        ConflictError,
      );
      equal(log.journal.readProducer("q"), undefined, "the state of q after its conflict");
      deepEqual(await log.write(record(5), { producer: producer("q", 0) }), written(5), "q0");
      deepEqual(await contents(log), records(0, 1, 2, 3, 4, 5), "the records stored");
    },
  );
}

function defineFailures(define: Define): void {
  define(
    "A producer's write that fails (record too large, empty, aborted, invalid argument) changes no producer state",
    async (ctx) => {
      const log = await ctx.log({ maxRecordSize: 4 });
      deepEqual(await log.write(record(0), { producer: producer("p", 0) }), written(0), "seq 0");
      const next = producer("p", 1);
      const { signal, reason } = abortedSignal();
      await rejects(() => log.write(new Uint8Array(5), { producer: next }), RecordTooLargeError);
      await rejects(() => log.write(new Uint8Array(0), { producer: next }), RangeError);
      await rejects(
        () => log.writeBatch([bytes(1), new Uint8Array(5)], { producer: next }),
        RecordTooLargeError,
      );
      await rejects(() => log.writeBatch([], { producer: next }), RangeError);
      await rejects(() => log.write(unsafe("abc"), { producer: next }), TypeError);
      await rejects(() => log.write(bytes(1), { producer: next, expectedOffset: -1 }), RangeError);
      await rejectsWith(() => log.write(bytes(1), { producer: next, signal }), reason);
      await rejectsWith(() => log.writeBatch([bytes(1)], { producer: next, signal }), reason);
      // A retry with an aborted signal is refused like any other call.
      await rejectsWith(() => log.write(bytes(1), { producer: producer("p", 0), signal }), reason);
      deepEqual(kept(log, "p"), keptAfter("p", 0, 0, 0), "the state after the failures");
      deepEqual(log.boundsSync(), { begin: 0, end: 1 }, "bounds after the failures");
      deepEqual(await log.write(bytes(1), { producer: next }), written(1), "seq 1");
      // A producer the log did not know is not stored by a failed write.
      await rejects(
        () => log.write(new Uint8Array(5), { producer: producer("q", 0) }),
        RecordTooLargeError,
      );
      equal(log.journal.readProducer("q"), undefined, "the state of q after its failure");
      deepEqual(await log.write(bytes(2), { producer: producer("q", 0) }), written(2), "q0");
    },
  );

  define(
    "A producer's write whose gathered commit fails stores no state, and so do its retries in the same turn",
    async (ctx) => {
      const journal = await ctx.journal();
      const log = new Log({ journal });
      const other = new Log({ journal });
      const calls = [
        log.write(record(0), { producer: producer("p", 0) }),
        log.write(record(0), { producer: producer("p", 0) }),
      ];
      // A second Log over the journal commits first: a coalescing Log's commit then fails.
      const taken = other.write(record(1));
      other.flush();
      const results = await Promise.allSettled(calls);
      if (journal.coalescesWrites) {
        for (const [i, result] of results.entries()) {
          ok(result.status === "rejected", `Expected call ${i} to be refused`);
          instanceOf(result.reason, ConflictError, `the rejection of call ${i}`);
        }
        equal(await taken, 0, "offset of the other Log's write");
        equal(journal.readProducer("p"), undefined, "the state after the failed commit");
        deepEqual(
          await log.write(record(0), { producer: producer("p", 0) }),
          written(1),
          "seq 0 sent again",
        );
      } else {
        // Each write is committed at once: nothing fails.
        deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled"], "the calls");
        equal(await taken, 1, "offset of the other Log's write");
      }
      const offset = journal.coalescesWrites ? 1 : 0;
      deepEqual(kept(log, "p"), keptAfter("p", 0, 0, offset), "the driver-level state");
      deepEqual(
        await log.write(record(0), { producer: producer("p", 0) }),
        retried(offset),
        "a retry once stored",
      );
      deepEqual(log.boundsSync(), { begin: 0, end: 2 }, "bounds");
    },
  );

  define("A producer's state survives a new Log over the same journal", async (ctx) => {
    const journal = await ctx.journal();
    const first = new Log({ journal });
    await first.write(record(0), { producer: producer("p", 0) });
    await first.writeBatch(records(1, 2), { producer: producer("p", 1) });
    await first.write(record(3), { producer: producer("q", 0, 3) });
    await first.write(record(4), { producer: producer("q", 1, 3) });
    // Later, e.g. after a restart of the process that holds the log.
    const second = new Log({ journal });
    deepEqual(
      await second.writeBatch(records(1, 2), { producer: producer("p", 1) }),
      retried(1, 2),
      "a retry of p1",
    );
    deepEqual(await second.write(record(0), { producer: producer("p", 0) }), OLDER, "p0 again");
    await rejects(
      () => second.write(record(5), { producer: producer("q", 2, 2) }),
      StaleEpochError,
      stale(3, 2),
    );
    await rejects(
      () => second.write(record(5), { producer: producer("q", 3, 3) }),
      ProducerSeqGapError,
      gap(2, 3),
    );
    deepEqual(await second.write(record(5), { producer: producer("p", 2) }), written(5), "p2");
    deepEqual(await second.write(record(6), { producer: producer("q", 2, 3) }), written(6), "q2");
    deepEqual(await contents(second), records(0, 1, 2, 3, 4, 5, 6), "the records stored");
  });
}

function defineRetention(define: Define): void {
  const TTL = 60_000;
  const T0 = 1_000_000;

  define(
    "A producer unused for longer than producerTtl is new again: seq 0 is written again, a higher seq is a gap and a lower epoch is not stale",
    async (ctx) => {
      const clock = new ManualClock(T0);
      const log = await ctx.log({ clock: clock.read, producerTtl: TTL });
      deepEqual(await log.write(record(0), { producer: producer("p", 0, 2) }), written(0), "p0");
      deepEqual(await log.write(record(1), { producer: producer("q", 0) }), written(1), "q0");
      deepEqual(await log.write(record(2), { producer: producer("r", 0) }), written(2), "r0");
      clock.ms = T0 + TTL; // Exactly producerTtl later: q is still known, so seq 1 is its next.
      deepEqual(await log.write(record(3), { producer: producer("q", 1) }), written(3), "q1");
      clock.ms = T0 + TTL + 1; // p and r unused for longer than producerTtl; q used since.
      await rejects(
        () => log.write(record(4), { producer: producer("p", 1, 2) }),
        ProducerSeqGapError,
        gap(0, 1),
      );
      deepEqual(
        await log.write(record(4), { producer: producer("p", 0, 0) }),
        written(4),
        "seq 0 of epoch 0 of the expired p",
      );
      deepEqual(
        await log.write(record(5), { producer: producer("r", 0) }),
        written(5),
        "seq 0 of the expired r, written again",
      );
      deepEqual(
        await log.write(record(3), { producer: producer("q", 1) }),
        retried(3),
        "a retry of q1, which was used within producerTtl",
      );
      deepEqual(await log.write(record(6), { producer: producer("q", 2) }), written(6), "q2");
      deepEqual(await contents(log), records(0, 1, 2, 3, 4, 5, 6), "the records stored");
    },
  );

  define(
    "Storing a new producer removes the states of producers unused for longer than producerTtl",
    async (ctx) => {
      const clock = new ManualClock(T0);
      const log = await ctx.log({ clock: clock.read, producerTtl: TTL });
      await log.write(record(0), { producer: producer("p", 0) });
      clock.ms = T0 + 500;
      await log.write(record(1), { producer: producer("q", 0) });
      clock.ms = T0 + 500 + TTL; // p expired, q exactly producerTtl old.
      await log.write(record(2), { producer: producer("r", 0) });
      equal(log.journal.readProducer("p"), undefined, "the state of the expired p");
      deepEqual(kept(log, "q"), keptAfter("q", 0, 0, 1), "the state of q");
      deepEqual(kept(log, "r"), keptAfter("r", 0, 0, 2), "the state of r");
    },
  );

  define(
    "When a new producer would exceed maxProducers the least recently used is dropped first",
    async (ctx) => {
      const clock = new ManualClock(T0);
      const log = await ctx.log({ clock: clock.read, maxProducers: 3 });
      const write = async (id: string, seq: number, data: number) => {
        clock.ms++;
        return await log.write(record(data), { producer: producer(id, seq) });
      };
      await write("a", 0, 0);
      await write("b", 0, 1);
      await write("c", 0, 2);
      await write("a", 1, 3); // a is now the most recently used.
      deepEqual(await write("d", 0, 4), written(4), "d0");
      equal(log.journal.readProducer("b"), undefined, "the state of b, least recently used");
      for (const id of ["a", "c", "d"]) ok(kept(log, id), `Expected ${id} to be kept`);
      // The dropped producer is new again: its retry is written as its first write.
      deepEqual(await write("b", 0, 1), written(5), "b0 again");
      equal(log.journal.readProducer("c"), undefined, "the state of c, least recently used");
      deepEqual(kept(log, "a"), keptAfter("a", 0, 1, 3), "the state of a");
      // Several new producers in one turn: the older ones go first, then the first new ones.
      clock.ms++;
      const calls = ["e", "f"].map((id, i) =>
        log.write(record(6 + i), { producer: producer(id, 0) })
      );
      deepEqual(await Promise.all(calls), [written(6), written(7)], "e0 and f0");
      for (const id of ["a", "d"]) {
        equal(log.journal.readProducer(id), undefined, `the state of ${id}`);
      }
      for (const id of ["b", "e", "f"]) ok(kept(log, id), `Expected ${id} to be kept`);
    },
  );

  define(
    "A commit of more new producers than maxProducers keeps the last of them: the first ones are new again",
    async (ctx) => {
      const clock = new ManualClock(T0);
      const log = await ctx.log({ clock: clock.read, maxProducers: 2 });
      // Issued in one turn: a coalescing driver stores them in one commit.
      const calls = ["a", "b", "c"].map((id, i) => {
        clock.ms++;
        return log.write(record(i), { producer: producer(id, 0) });
      });
      deepEqual(await Promise.all(calls), [written(0), written(1), written(2)], "a0, b0 and c0");
      equal(log.journal.readProducer("a"), undefined, "the state of a, the first of the three");
      deepEqual(kept(log, "b"), keptAfter("b", 0, 0, 1), "the state of b");
      deepEqual(kept(log, "c"), keptAfter("c", 0, 0, 2), "the state of c");
      clock.ms++;
      deepEqual(
        await log.write(record(0), { producer: producer("a", 0) }),
        written(3),
        "a0 again: a was dropped, so it is a first write",
      );
    },
  );

  define(
    "A producer just stored is never the one dropped for maxProducers, even when every producer was last used in the same millisecond",
    async (ctx) => {
      const log = await ctx.log({ clock: () => new Date(T0), maxProducers: 2 });
      // Ids in descending order, so that no driver keeps the newest by sorting on the id.
      for (const [i, id] of ["z", "m", "a"].entries()) {
        deepEqual(await log.write(record(i), { producer: producer(id, 0) }), written(i), id);
        deepEqual(
          await log.write(record(i), { producer: producer(id, 0) }),
          retried(i),
          `a retry of ${id}`,
        );
      }
      const left = ["z", "m", "a"].filter((id) => log.journal.readProducer(id) !== undefined);
      equal(left.length, 2, "the number of producers kept");
      deepEqual(await contents(log), records(0, 1, 2), "the records stored");
    },
  );
}

function defineValidation(define: Define): void {
  const invalid: [string, unknown, Class<Error>][] = [
    ["null", null, TypeError],
    ["a string", "p", TypeError],
    ["a number", 1, TypeError],
    ["an id that is a number", { id: 1, epoch: 0, seq: 0 }, TypeError],
    ["no id", { epoch: 0, seq: 0 }, TypeError],
    ["an empty id", { id: "", epoch: 0, seq: 0 }, RangeError],
    [
      "an id of 257 characters",
      { id: "p".repeat(MAX_PRODUCER_ID_LENGTH + 1), epoch: 0, seq: 0 },
      RangeError,
    ],
    ...["\n", "\u0000", "\u001f", "\u007f"].map((c): [string, unknown, Class<Error>] => [
      `an id with ${JSON.stringify(c)}`,
      { id: `p${c}q`, epoch: 0, seq: 0 },
      RangeError,
    ]),
    ...(["epoch", "seq"] as const).flatMap((field) => [
      ...[-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53].map((
        value,
      ): [string, unknown, Class<Error>] => [
        `${field} ${value}`,
        { id: "p", epoch: 0, seq: 0, [field]: value },
        RangeError,
      ]),
      ...["0", null, undefined, 1n].map((value): [string, unknown, Class<Error>] => [
        `${field} ${String(value)} (${typeof value})`,
        { id: "p", epoch: 0, seq: 0, [field]: value },
        TypeError,
      ]),
    ]),
  ];

  define(
    "`write()` and `writeBatch()` reject TypeError or RangeError for an invalid producer and write nothing",
    async (ctx) => {
      const log = await ctx.log();
      await log.write(record(9));
      for (const [what, value, type] of invalid) {
        for (
          const [method, call] of [
            ["write", () => log.write(record(0), { producer: unsafe(value) })],
            ["writeBatch", () => log.writeBatch(records(0, 1), { producer: unsafe(value) })],
          ] as const
        ) {
          try {
            await rejects(call, type, (e) => {
              ok(e.message.includes("producer"), `Expected "${e.message}" to name the producer`);
            });
          } catch (error) {
            throw new Error(`${method}() with ${what}: ${(error as Error).message}`);
          }
        }
      }
      deepEqual(log.boundsSync(), { begin: 0, end: 1 }, "bounds after the invalid producers");
      equal(log.journal.readProducer("p"), undefined, "the state of p");
      // Valid ids: the longest, any printable characters.
      for (const [i, id] of ["p".repeat(MAX_PRODUCER_ID_LENGTH), "é 🙂/\"'", "p"].entries()) {
        deepEqual(
          await log.write(record(i), { producer: producer(id, 0) }),
          written(1 + i),
          `the write of ${JSON.stringify(id)}`,
        );
        deepEqual(kept(log, id), keptAfter(id, 0, 0, 1 + i), `the state of ${JSON.stringify(id)}`);
      }
      deepEqual(
        await log.write(record(3), { producer: producer("p", 0, Number.MAX_SAFE_INTEGER) }),
        written(4),
        "seq 0 of the largest epoch",
      );
      deepEqual(kept(log, "p"), keptAfter("p", Number.MAX_SAFE_INTEGER, 0, 4), "the state of p");
    },
  );
}

function defineDriverLevel(define: Define): void {
  const state = (id: string, seq: number, lastUsed: number): ProducerState => ({
    id,
    epoch: 1,
    seq,
    offset: 0,
    count: 1,
    lastUsed,
  });
  const commit = (states: ProducerState[], more: Partial<ProducerCommit> = {}) => ({
    states,
    added: true,
    expireBefore: 0,
    maxCount: 10,
    ...more,
  });
  const one = (i: number): NewRecord[] => [{ created: 1_000, data: record(i) }];

  define(
    "The driver-level `appendRecords()` stores producer states with the records and `readProducer()` returns them",
    async (ctx) => {
      const journal = await ctx.journal();
      equal(journal.readProducer("p"), undefined, "the state of p in a fresh journal");
      journal.appendRecords(0, one(0), 0, commit([state("p", 0, 100), state("q", 4, 100)]));
      deepEqual(journal.readProducer("p"), state("p", 0, 100), "the state of p");
      deepEqual(journal.readProducer("q"), state("q", 4, 100), "the state of q");
      journal.appendRecords(1, one(1), 0, commit([{ ...state("p", 1, 200), offset: 1 }]));
      deepEqual(journal.readProducer("p"), { ...state("p", 1, 200), offset: 1 }, "p replaced");
      // Records without producers leave the states alone.
      journal.appendRecords(2, one(2));
      deepEqual(journal.readProducer("q"), state("q", 4, 100), "the state of q at the end");
      deepEqual(await journal.bounds(), { begin: 0, end: 3 }, "bounds()");
    },
  );

  define(
    "The driver-level `appendRecords()` that throws for a wrong end stores no producer state and prunes none",
    async (ctx) => {
      const journal = await ctx.journal();
      journal.appendRecords(0, one(0), 0, commit([state("p", 0, 100)]));
      // Each would replace p, add q and prune p (expired, and over maxCount), were `end` right.
      const failing = commit([state("p", 1, 500), state("q", 0, 500)], {
        expireBefore: 400,
        maxCount: 1,
      });
      throws(() => journal.appendRecords(0, one(1), 0, failing), ConflictError);
      throws(() => journal.appendRecords(2, one(1), 0, failing), RangeError);
      deepEqual(journal.readProducer("p"), state("p", 0, 100), "the state of p");
      equal(journal.readProducer("q"), undefined, "the state of q");
      deepEqual(await journal.bounds(), { begin: 0, end: 1 }, "bounds()");
      await journal.close();
      throws(() => journal.appendRecords(1, one(1), 0, failing), ClosedError);
      throws(() => journal.readProducer("p"), ClosedError);
    },
  );

  define(
    "The driver-level `appendRecords()` prunes expired producers, then the least recently used over maxCount, only when a new one is stored",
    async (ctx) => {
      const journal = await ctx.journal();
      journal.appendRecords(0, one(0), 0, commit([state("a", 0, 100), state("b", 0, 200)]));
      journal.appendRecords(1, one(1), 0, commit([state("c", 0, 300)]));
      // No new producer: nothing is pruned, whatever the limits say.
      journal.appendRecords(
        2,
        one(2),
        0,
        commit([state("c", 1, 400)], { added: false, expireBefore: 250, maxCount: 1 }),
      );
      for (const id of ["a", "b", "c"]) ok(journal.readProducer(id), `Expected ${id} to be kept`);
      // A new one: a is expired (last used before 150), the others are kept.
      journal.appendRecords(3, one(3), 0, commit([state("d", 0, 500)], { expireBefore: 150 }));
      equal(journal.readProducer("a"), undefined, "the state of the expired a");
      for (const id of ["b", "c", "d"]) ok(journal.readProducer(id), `Expected ${id} to be kept`);
      // Another: one over the count of 3, and b is the least recently used (c was used at 400).
      journal.appendRecords(4, one(4), 0, commit([state("e", 0, 600)], { maxCount: 3 }));
      equal(journal.readProducer("b"), undefined, "the state of b, least recently used");
      deepEqual(journal.readProducer("c"), state("c", 1, 400), "the state of c");
      deepEqual(journal.readProducer("d"), state("d", 0, 500), "the state of d");
      deepEqual(journal.readProducer("e"), state("e", 0, 600), "the state of e");
    },
  );

  define(
    "The driver-level `appendRecords()` is one atomic unit: when it throws while storing a producer state, no record is stored",
    async (ctx) => {
      const journal = await ctx.journal();
      // A state no SQL driver can bind; a driver that stores it as it is must store both.
      const unbindable = { ...state("p", 0, 100), epoch: unsafe<number>({}) };
      let threw = false;
      try {
        journal.appendRecords(0, [...one(0), ...one(1)], 0, commit([unbindable]));
      } catch {
        threw = true;
      }
      if (threw) {
        deepEqual(await journal.bounds(), { begin: 0, end: 0 }, "bounds() after the failure");
        equal(journal.readRecords(0, 2).length, 0, "the records stored");
      } else {
        deepEqual(await journal.bounds(), { begin: 0, end: 2 }, "bounds()");
        ok(journal.readProducer("p"), "Expected the state of p to be stored with the records");
      }
      journal.appendRecords(journal.readBounds().end, one(2), 0, commit([state("q", 0, 100)]));
      deepEqual(journal.readProducer("q"), state("q", 0, 100), "the state of q stored next");
    },
  );
}

/** X and Y are the same type, readonly modifiers included. */
type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true
  : false;

/** Fails to compile when `code` of a producer error becomes writable. */
const CODE_IS_READONLY: readonly true[] = [
  true satisfies Equals<
    Pick<ProducerSeqGapError, "code">,
    Readonly<Pick<ProducerSeqGapError, "code">>
  >,
  true satisfies Equals<Pick<StaleEpochError, "code">, Readonly<Pick<StaleEpochError, "code">>>,
];

function defineProducerErrors(define: Define): void {
  const family = (error: LogError, type: string, code: string, base: object) => {
    instanceOf(error, LogError, "the error");
    instanceOf(error, Error, "the error");
    equal(error.code, code, "code");
    equal(error.name, type, "name");
    equal(Object.getPrototypeOf(base), LogError.prototype, `prototype of ${type}.prototype`);
    ok(CODE_IS_READONLY.every((readonly) => readonly), "Expected every code to be readonly");
  };

  define(
    '`ProducerSeqGapError` is a LogError with code "PRODUCER_SEQ_GAP", its name, expectedSeq and receivedSeq',
    async (ctx) => {
      const log = await ctx.log();
      await rejects(
        () => log.write(record(0), { producer: producer("p", 3) }),
        ProducerSeqGapError,
        (e) => {
          family(e, "ProducerSeqGapError", "PRODUCER_SEQ_GAP", ProducerSeqGapError.prototype);
          gap(0, 3)(e);
        },
      );
    },
  );

  define(
    '`StaleEpochError` is a LogError with code "STALE_EPOCH", its name, currentEpoch and epoch',
    async (ctx) => {
      const log = await ctx.log();
      await log.write(record(0), { producer: producer("p", 0, 4) });
      await rejects(
        () => log.write(record(1), { producer: producer("p", 0, 3) }),
        StaleEpochError,
        (e) => {
          family(e, "StaleEpochError", "STALE_EPOCH", StaleEpochError.prototype);
          stale(4, 3)(e);
        },
      );
    },
  );
}
