// Small copies packed into shared chunks. Internal to the core: not exported from mod.ts.

/** Records above this size get an ArrayBuffer of their own. */
const MAX_PACKED = 1024;
/** The first chunk is small, so that a log of a few records holds little memory. */
const FIRST_CHUNK = 1024;
/** Chunks double up to this size. */
const MAX_CHUNK = 64 * 1024;

/**
 * Copies of small records packed into shared chunks. In V8 every ArrayBuffer is a
 * backing store allocated and swept on its own, which costs several times more than
 * copying 32 bytes: one buffer per chunk instead of one per record is most of the cost
 * of a copy.
 *
 * A copy pins its whole chunk. That is harmless in a log, which drops its records oldest
 * first, so chunks are released in the order they were filled. A log keeps one slab for
 * the copies its journal stores and another for the copies it hands to readers, so no
 * returned record can reach a stored one through `.buffer`.
 */
export class ByteSlab {
  #chunk = new Uint8Array(0);
  #used = 0;
  #nextSize = FIRST_CHUNK;

  /** A copy of `data`; small copies share their buffer with other copies from this slab. */
  copy(data: Uint8Array): Uint8Array {
    return this.copyRange(data, 0, data.byteLength);
  }

  /** A copy of `source[start, end)`, packed as {@linkcode ByteSlab.copy} packs. */
  copyRange(source: Uint8Array, start: number, end: number): Uint8Array {
    const size = end - start;
    if (size > MAX_PACKED) return source.slice(start, end);
    if (this.#used + size > this.#chunk.byteLength) {
      this.#chunk = new Uint8Array(this.#nextSize);
      this.#used = 0;
      if (this.#nextSize < MAX_CHUNK) this.#nextSize *= 2;
    }
    const chunk = this.#chunk;
    const at = this.#used;
    const copy = new Uint8Array(chunk.buffer, at, size);
    if (start === 0 && end === source.byteLength) {
      copy.set(source);
    } else if (size <= 64) {
      // A loop beats creating the source view that set() needs, for a few bytes.
      for (let i = 0; i < size; i++) chunk[at + i] = source[start + i]!;
    } else {
      copy.set(source.subarray(start, end));
    }
    this.#used = at + size;
    return copy;
  }
}
