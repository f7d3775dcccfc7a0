/**
 * Small assertion helpers for the conformance suite. They use nothing but the language
 * and the Web platform, so the cases run under Deno, Node, vitest and inside workerd.
 * Their messages follow the house rule: capital first letter, no closing period, values
 * quoted.
 *
 * @module
 */

/** The error every failed assertion of the conformance suite throws. */
export class AssertionError extends Error {
  /**
   * Creates a failed assertion.
   *
   * @param message What was expected and what was found.
   */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

/** Any class, including abstract ones, whose instances are `T`. */
export type Class<T> = abstract new (...args: never[]) => T;

/**
 * Fails the current case.
 *
 * @param message What went wrong.
 * @throws {AssertionError} Always.
 */
export function fail(message: string): never {
  throw new AssertionError(message);
}

/**
 * Checks that `condition` holds.
 *
 * @param condition The condition.
 * @param message The failure message.
 * @throws {AssertionError} When `condition` is false.
 */
export function ok(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

/**
 * Checks that `actual` is `expected` (by `Object.is`).
 *
 * @param actual The value found.
 * @param expected The value expected.
 * @param what What the value is, for the message.
 * @throws {AssertionError} When they differ.
 */
export function equal<T>(actual: T, expected: T, what = "value"): void {
  if (!Object.is(actual, expected)) {
    fail(`Expected ${what} to be ${show(expected)}, got ${show(actual)}`);
  }
}

/**
 * Checks that `actual` and `expected` are structurally equal: primitives by
 * `Object.is`, byte arrays by their bytes (whatever buffer or offset they view), dates by
 * time, arrays by element, and plain objects (or instances of a class that extends nothing)
 * by their enumerable keys, own and inherited.
 *
 * @param actual The value found.
 * @param expected The value expected.
 * @param what What the value is, for the message.
 * @throws {AssertionError} At the first difference.
 */
export function deepEqual(actual: unknown, expected: unknown, what = "value"): void {
  const difference = findDifference(actual, expected, "");
  if (difference === undefined) return;
  const [path, found, wanted] = difference;
  const place = path === "" ? what : `${what}${path}`;
  fail(`Expected ${place} to be ${show(wanted)}, got ${show(found)}`);
}

/**
 * Checks that `value` is an instance of `type`.
 *
 * @param value The value found.
 * @param type The class expected.
 * @param what What the value is, for the message.
 * @throws {AssertionError} When it is not.
 */
export function instanceOf<T>(value: unknown, type: Class<T>, what = "value"): asserts value is T {
  if (!(value instanceof type)) {
    fail(`Expected ${what} to be an instance of "${type.name}", got ${show(value)}`);
  }
}

/**
 * Checks that `call` throws an instance of `type` synchronously, and returns the error.
 *
 * @param call The call that must throw.
 * @param type The class expected.
 * @param check Further checks of the error.
 * @returns The error thrown.
 * @throws {AssertionError} When `call` returns, or throws something else.
 */
export function throws<E>(call: () => unknown, type: Class<E>, check?: (error: E) => void): E {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    checkError(error, type, "thrown");
    check?.(error);
    return error;
  }
  return fail(`Expected a thrown "${type.name}", but the call returned ${show(result)}`);
}

/**
 * Calls `call` and checks that it returns a Promise (instead of throwing synchronously)
 * that rejects with an instance of `type`. The error's message is checked too: one
 * sentence with a capital first letter and no closing period.
 *
 * @param call The call that must reject, e.g. `() => journal.get(1.5)`.
 * @param type The class expected.
 * @param check Further checks of the error.
 * @returns The rejection.
 * @throws {AssertionError} When the call throws synchronously, returns something that is
 * not a Promise, resolves, or rejects with something else.
 */
export async function rejects<E>(
  call: () => unknown,
  type: Class<E>,
  check?: (error: E) => void,
): Promise<E> {
  const error = await rejection(call, `"${type.name}"`);
  checkError(error, type, "rejection");
  check?.(error);
  return error;
}

/**
 * Calls `call` and checks that it returns a Promise that rejects with exactly `reason`
 * (the same value, such as an abort signal's reason or an error thrown by a callback).
 *
 * @param call The call that must reject.
 * @param reason The value the Promise must reject with.
 * @throws {AssertionError} As {@linkcode rejects} does.
 */
export async function rejectsWith(call: () => unknown, reason: unknown): Promise<void> {
  const error = await rejection(call, show(reason));
  if (error !== reason) {
    fail(`Expected the rejection to be the very value ${show(reason)}, got ${show(error)}`);
  }
}

/**
 * Checks that `error`'s message is one sentence with a capital first letter and no
 * closing period.
 *
 * @param error The error.
 * @throws {AssertionError} When the message breaks the rule.
 */
export function assertMessage(error: unknown): void {
  if (!(error instanceof Error)) return;
  const { message } = error;
  ok(/^[A-Z]/.test(message), `Expected the message ${show(message)} to start with a capital`);
  ok(!message.endsWith("."), `Expected the message ${show(message)} to have no closing period`);
  ok(!/[.!?]\s/.test(message), `Expected the message ${show(message)} to be one sentence`);
}

/**
 * Checks that `error`'s message quotes `value`, as in `Offset "7" is out of range`.
 *
 * @param error The error.
 * @param value The value the message must quote.
 * @throws {AssertionError} When the message does not quote it.
 */
export function assertQuotes(error: unknown, value: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  ok(
    message.includes(`"${String(value)}"`),
    `Expected the message ${show(message)} to quote "${String(value)}"`,
  );
}

/** How a Promise settled, readable synchronously; see {@linkcode track}. */
export interface Tracked<T> {
  /** Whether the Promise has settled. */
  readonly settled: boolean;
  /** The Promise itself, handled: awaiting it still rejects when it rejected. */
  readonly promise: Promise<T>;
}

/**
 * Watches `promise` so that a case can tell whether it has settled yet. A rejection is
 * not reported as unhandled while nobody awaits it.
 *
 * @param promise The Promise to watch.
 * @returns Its live state.
 */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const state = { settled: false, promise };
  promise.then(() => state.settled = true, () => state.settled = true);
  return state;
}

/**
 * Lets pending work run: a few turns of the event loop (macrotasks), so every microtask
 * chain started before has settled. Uses only `setTimeout(0)`, which workerd has too.
 *
 * @param turns How many macrotask turns to wait.
 */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/**
 * Describes a value for a message, quoted: `"3"`, `"abc"`, `Uint8Array "[1, 2]"`.
 *
 * @param value The value.
 * @returns Its description.
 */
export function show(value: unknown): string {
  if (value instanceof Uint8Array) {
    const shown = Array.from(value.subarray(0, 16)).join(", ");
    const more = value.byteLength > 16 ? `, ... (${value.byteLength} bytes)` : "";
    return `${value.constructor.name} "[${shown}${more}]"`;
  }
  if (value instanceof Date) return `Date "${value.toISOString()}"`;
  if (value instanceof Error) return `${value.name} "${value.message}"`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `"${value}n"`;
  if (Array.isArray(value) || (typeof value === "object" && value !== null)) {
    try {
      return `"${JSON.stringify(value, jsonReplacer)}"`;
    } catch {
      return `"${Object.prototype.toString.call(value)}"`;
    }
  }
  return `"${String(value)}"`;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return `Uint8Array [${Array.from(value).join(", ")}]`;
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return `${value}n`;
  return value;
}

async function rejection(call: () => unknown, expected: string): Promise<unknown> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return fail(
      `Expected a rejected Promise of ${expected}, but the call threw ${show(error)} synchronously`,
    );
  }
  if (!(result instanceof Promise)) {
    fail(`Expected a rejected Promise of ${expected}, but the call returned ${show(result)}`);
  }
  let value: unknown;
  try {
    value = await result;
  } catch (error) {
    return error;
  }
  return fail(`Expected a rejection with ${expected}, but the Promise resolved ${show(value)}`);
}

function checkError<E>(error: unknown, type: Class<E>, how: string): asserts error is E {
  if (!(error instanceof type)) {
    fail(`Expected the ${how} error to be an instance of "${type.name}", got ${show(error)}`);
  }
  assertMessage(error);
}

type Difference = [path: string, actual: unknown, expected: unknown];

function findDifference(actual: unknown, expected: unknown, path: string): Difference | undefined {
  if (Object.is(actual, expected)) return undefined;
  if (expected instanceof Uint8Array || actual instanceof Uint8Array) {
    if (!(expected instanceof Uint8Array) || !(actual instanceof Uint8Array)) {
      return [path, actual, expected];
    }
    if (actual.byteLength !== expected.byteLength) return [path, actual, expected];
    for (let i = 0; i < actual.byteLength; i++) {
      if (actual[i] !== expected[i]) return [path, actual, expected];
    }
    return undefined;
  }
  if (expected instanceof Date || actual instanceof Date) {
    if (
      expected instanceof Date && actual instanceof Date && expected.getTime() === actual.getTime()
    ) return undefined;
    return [path, actual, expected];
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) return [path, actual, expected];
    if (actual.length !== expected.length) {
      return [`${path}.length`, actual.length, expected.length];
    }
    for (let i = 0; i < expected.length; i++) {
      const difference = findDifference(actual[i], expected[i], `${path}[${i}]`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  if (isRecord(expected) && isRecord(actual)) {
    const keys = new Set([...enumerableKeys(expected), ...enumerableKeys(actual)]);
    for (const key of keys) {
      const difference = findDifference(actual[key], expected[key], `${path}.${key}`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  return [path, actual, expected];
}

/**
 * Plain objects, and objects of a class whose enumerable properties are accessors on its
 * prototype (a Log's records): compared alike, by their enumerable keys.
 */
function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ||
    Object.getPrototypeOf(proto) === Object.prototype;
}

/** Own and inherited enumerable keys (`for...in`): accessors on a prototype included. */
function enumerableKeys(value: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const key in value) keys.push(key);
  return keys;
}
