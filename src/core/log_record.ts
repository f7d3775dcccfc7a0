/**
 * The record a `Log` hands to readers: its own file, so that the Log and its streams share
 * it without importing each other.
 *
 * @module
 */
import type { ByteSlab } from "./byte_slab.ts";

/**
 * A record read from a `Log`. The records a `Log` returns build `created` and copy `data`
 * when first asked for (accessors, so a reader that looks at neither pays for neither);
 * `JSON.stringify` and `for...in` see all three fields, but a spread or a structured clone
 * (`postMessage`, an RPC result) sees `offset` only: copy the fields into a plain object,
 * `{ offset, created, data }`, to send a record elsewhere.
 */
export interface LogRecord {
  /** The record's offset: its position in the journal. */
  offset: number;
  /** When the record was written. */
  created: Date;
  /**
   * A copy of the record's bytes: changing it never changes what the log stores. Small
   * copies are packed like Node's pooled Buffers, so two returned records may share one
   * ArrayBuffer (never with stored records); mind `byteOffset`, and copy before transferring
   * `data.buffer`.
   */
  data: Uint8Array;
}

/**
 * The {@linkcode LogRecord} a Log returns: its `created` Date and its `data` copy are made
 * when first asked for, from the creation time and from bytes the driver never changes, so
 * a reader that looks at neither pays for neither. Both are accessors on the prototype
 * (enumerable, settable), and `toJSON` gives the plain record: a structured clone (an RPC
 * result, `postMessage`) or a spread sees `offset` only, so copy the fields into a plain
 * object to send a record elsewhere. Internal: readers see the `LogRecord` interface.
 */
export class ReadRecord implements LogRecord {
  /** The record's offset. */
  offset: number;
  readonly #created: number;
  #date: Date | undefined = undefined;
  /** Where the bytes are until they are copied; never changed by the driver. */
  #source: Uint8Array | undefined;
  readonly #start: number;
  readonly #end: number;
  #data: Uint8Array | undefined = undefined;
  readonly #slab: ByteSlab;

  /**
   * A record whose bytes are `source[start, end)`, copied into `slab` when first read.
   *
   * @param offset The record's offset.
   * @param created Its creation time in milliseconds since the epoch.
   * @param source Bytes that nobody changes afterwards.
   * @param start Where the record starts in `source`.
   * @param end Where it ends.
   * @param slab Where its copy is packed.
   */
  constructor(
    offset: number,
    created: number,
    source: Uint8Array,
    start: number,
    end: number,
    slab: ByteSlab,
  ) {
    this.offset = offset;
    this.#created = created;
    this.#source = source;
    this.#start = start;
    this.#end = end;
    this.#slab = slab;
  }

  /** When the record was written: a Date built when first asked for. */
  get created(): Date {
    return this.#date ??= new Date(this.#created);
  }

  set created(value: Date) {
    this.#date = value;
  }

  /** A copy of the record's bytes, made when first asked for. */
  get data(): Uint8Array {
    if (this.#data === undefined) {
      this.#data = this.#slab.copyRange(this.#source!, this.#start, this.#end);
      this.#source = undefined;
    }
    return this.#data;
  }

  set data(value: Uint8Array) {
    this.#data = value;
    this.#source = undefined;
  }

  /**
   * The plain record, for `JSON.stringify` and for code that needs own properties.
   *
   * @returns `{ offset, created, data }`.
   */
  toJSON(): LogRecord {
    return { offset: this.offset, created: this.created, data: this.data };
  }
}

// Enumerable like the plain record's properties, so that `for...in` and structural
// comparisons that walk the prototype see them.
for (const name of ["created", "data"] as const) {
  const descriptor = Object.getOwnPropertyDescriptor(ReadRecord.prototype, name)!;
  Object.defineProperty(ReadRecord.prototype, name, { ...descriptor, enumerable: true });
}
