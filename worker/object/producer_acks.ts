/**
 * The recent writes of each producer that appends over a session: so that a resent append
 * older than the producer's last write, which the Log answers as a duplicate with offset -1
 * (it keeps the offsets of the last write only), is answered with its original offsets.
 *
 * @module
 */
import { MAX_SESSION_IN_FLIGHT_APPENDS } from "../../src/protocol/session.ts";

/** Consecutive seqs of one producer, each write of `count` records, stored back to back. */
interface Run {
  seq: number;
  offset: number;
  count: number;
  n: number;
}

/** The most producers remembered; the least recently used are forgotten first. */
const MAX_PRODUCERS = 1000;

/**
 * What a LogObject remembers of the writes of session producers: per producer, its epoch and
 * the offsets of its last {@linkcode MAX_SESSION_IN_FLIGHT_APPENDS} seqs at least (a writer
 * never has more in flight, so every append it may resend is covered). A writer of single
 * records that nobody interleaves costs one run, whatever its number of writes.
 *
 * Held in memory: a resend after a dropped connection finds it while the object lives. An
 * object that restarted in between (eviction, a crash) has forgotten it, and such an append
 * is answered as the Log answers it (a duplicate, offset -1).
 */
export class ProducerAcks {
  readonly #producers = new Map<string, { epoch: number; runs: Run[] }>();

  /**
   * Remembers a producer's write that was just committed.
   *
   * @param id The producer's id.
   * @param epoch Its epoch.
   * @param seq The write's seq.
   * @param offset The offset of its first record.
   * @param count How many records it held.
   */
  written(id: string, epoch: number, seq: number, offset: number, count: number): void {
    let known = this.#producers.get(id);
    if (known !== undefined) this.#producers.delete(id);
    if (known === undefined || known.epoch !== epoch) known = { epoch, runs: [] };
    this.#producers.set(id, known);
    if (this.#producers.size > MAX_PRODUCERS) {
      this.#producers.delete(this.#producers.keys().next().value!);
    }
    const runs = known.runs;
    const last = runs[runs.length - 1];
    if (
      last !== undefined && last.seq + last.n === seq && last.count === count &&
      last.offset + last.n * count === offset
    ) {
      last.n++;
    } else runs.push({ seq, offset, count, n: 1 });
    const oldest = seq - MAX_SESSION_IN_FLIGHT_APPENDS;
    let drop = 0;
    while (drop < runs.length - 1 && runs[drop]!.seq + runs[drop]!.n <= oldest) drop++;
    if (drop > 0) runs.splice(0, drop);
  }

  /**
   * The offsets of a producer's earlier write, when remembered.
   *
   * @param id The producer's id.
   * @param epoch The write's epoch.
   * @param seq The write's seq.
   * @returns Its first offset and count, or `undefined`.
   */
  find(
    id: string,
    epoch: number,
    seq: number,
  ): { offset: number; count: number } | undefined {
    const known = this.#producers.get(id);
    if (known === undefined || known.epoch !== epoch) return undefined;
    for (const run of known.runs) {
      if (seq >= run.seq && seq < run.seq + run.n) {
        return { offset: run.offset + (seq - run.seq) * run.count, count: run.count };
      }
    }
    return undefined;
  }

  /** Forgets every producer (the log was deleted). */
  clear(): void {
    this.#producers.clear();
  }
}
