// Argument checks shared by the Log and the journals. Internal: not exported from mod.ts.

/**
 * Checks that `value` is a number and a safe integer.
 *
 * @throws {TypeError} When `value` is not a number.
 * @throws {RangeError} When `value` is not a safe integer.
 */
export function assertInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`Expected ${name} to be a number, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Expected ${name} to be a safe integer, got "${value}"`);
  }
}

/** Checks that `value` is a non-negative safe integer. */
export function assertPosition(name: string, value: unknown): asserts value is number {
  assertInteger(name, value);
  if (value < 0) throw new RangeError(`Expected ${name} not to be negative, got "${value}"`);
}

/** Checks that `value` is a `Uint8Array`. */
export function assertBytes(name: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`Expected ${name} to be a Uint8Array, got ${describe(value)}`);
  }
}

/**
 * Milliseconds since the Unix epoch of a `Date` or a number, checked.
 *
 * @throws {TypeError} When `time` is neither a Date nor a number.
 * @throws {RangeError} When `time` is an invalid Date or not a finite number.
 */
export function timeMs(name: string, time: unknown): number {
  let ms: number;
  if (time instanceof Date) ms = time.getTime();
  else if (typeof time === "number") ms = time;
  else throw new TypeError(`Expected ${name} to be a Date or a number, got ${describe(time)}`);
  if (!Number.isFinite(ms)) {
    throw new RangeError(`Expected ${name} to be a valid time, got "${String(time)}"`);
  }
  return ms;
}

/** Rejects with the signal's reason when it is already aborted. */
export function checkSignal(signal: AbortSignal | undefined): void {
  if (signal !== undefined) {
    if (!(signal instanceof AbortSignal)) {
      throw new TypeError(`Expected signal to be an AbortSignal, got ${describe(signal)}`);
    }
    signal.throwIfAborted();
  }
}

/** Describes a value of the wrong type for an error message. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `"${value.constructor?.name ?? "object"}"`;
  if (typeof value === "string") return `string "${value}"`;
  return `${typeof value} "${String(value)}"`;
}
