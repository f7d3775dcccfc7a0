/**
 * The producer a `LogClient` names its appends with (PROTOCOL.md, Exactly once): its id and
 * epoch, the seq of its next write, and the turns that keep its writes one at a time, so that
 * seqs reach the server in order and a retry repeats the last one.
 *
 * @module
 */
import { assertProducer, type Producer } from "../core/producer.ts";
import { describe } from "../core/validate.ts";

/** Options of the producer of a `LogClient` (`LogClientOptions.producer`). */
export interface ProducerOptions {
  /**
   * The producer's id: 1 to 256 characters, no control characters. Default: a random id,
   * new for every client. Only one client at a time may use an id.
   */
  id?: string;
  /**
   * The first epoch: a non-negative safe integer. Default 0. A client that takes over an
   * id from an earlier one must start above every epoch that one used (see
   * `LogClient.producer`).
   */
  epoch?: number;
}

/** A producer's state inside a client, and the turns of its writes. */
export class ProducerSession {
  readonly #id: string;
  #epoch: number;
  #seq = 0;
  /** Settles when the last write that took a turn gives it back. */
  #last: Promise<void> = Promise.resolve();

  /**
   * @param options The id and first epoch.
   * @throws {TypeError} When `options` or a field has the wrong type.
   * @throws {RangeError} When the id or epoch is out of its range.
   */
  constructor(options: ProducerOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`Expected producer to be an object or false, got ${describe(options)}`);
    }
    const producer = { id: options.id ?? randomId(), epoch: options.epoch ?? 0, seq: 0 };
    assertProducer(producer);
    this.#id = producer.id;
    this.#epoch = producer.epoch;
  }

  /** The producer of the next write: the id, the epoch and the next seq. */
  get next(): Producer {
    return { id: this.#id, epoch: this.#epoch, seq: this.#seq };
  }

  /** The server stored the write of {@linkcode next}: the following write takes the next seq. */
  written(): void {
    this.#seq++;
  }

  /**
   * Starts a new epoch at seq 0: after a write whose fate is unknown (a late copy of it is
   * then refused as `STALE_EPOCH` once the new epoch has written), and when the server no
   * longer knows the producer.
   */
  newEpoch(): void {
    this.#epoch++;
    this.#seq = 0;
  }

  /**
   * Waits until the writes that took a turn earlier are done, in order.
   *
   * @param signal Aborts the wait; the turn is then given up and nothing is written.
   * @returns The function that gives the turn back; call it once the write is done.
   */
  async turn(signal: AbortSignal | undefined): Promise<() => void> {
    const before = this.#last;
    let release!: () => void;
    this.#last = new Promise((resolve) => release = resolve);
    try {
      await abortable(before, signal);
    } catch (error) {
      // The turns after this one still wait for the ones before it.
      void before.then(release);
      throw error;
    }
    return release;
  }
}

/** A random producer id: 128 bits, in hex. `crypto.randomUUID` needs a secure context. */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `promise`, or the signal's reason once it is aborted first. */
function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}
