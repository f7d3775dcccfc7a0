/**
 * The record a `Log` hands to readers: its own file, so that the Log and its streams share
 * it without importing each other.
 *
 * @module
 */

/** A record read from a `Log`. */
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
