/**
 * How the client retries an append that got no answer: which failures are worth another
 * attempt, the backoff between attempts, the timeout of each, and the bounds on attempts and
 * time. A retry is safe only because the append names a producer (PROTOCOL.md, Exactly once):
 * the server answers a repeated write with its original offsets and writes nothing.
 *
 * @module
 */
import { ClosedError } from "../core/errors.ts";
import { assertInteger, describe } from "../core/validate.ts";
import { HttpError } from "./http_error.ts";

/** Options of the retries of an append (`LogClientOptions.retry`). */
export interface RetryOptions {
  /** The most attempts of one append, the first one included. Default 20. */
  maxAttempts?: number;
  /**
   * How long one attempt waits for its whole answer, in milliseconds; then it is given up
   * (and retried like a dropped connection). Default 10000.
   */
  attemptTimeout?: number;
  /**
   * No retry starts later than this after the first attempt started, in milliseconds.
   * Default 30000.
   */
  maxElapsed?: number;
  /** The wait before the first retry, in milliseconds; it doubles with each retry. Default 100. */
  minDelay?: number;
  /** The longest wait between attempts, in milliseconds. Default 2000. */
  maxDelay?: number;
  /**
   * Called before each retry, e.g. to log it. An error it throws ends the append with that
   * error.
   */
  onRetry?: (event: RetryEvent) => void;
}

/** What {@linkcode RetryOptions.onRetry} is told before a retry. */
export interface RetryEvent {
  /** The attempt that failed: 1 for the first. */
  attempt: number;
  /** Why it failed. */
  error: unknown;
  /** How long the client waits before the next attempt, in milliseconds. */
  delay: number;
}

/**
 * The retries of a client whose options say nothing: up to 20 attempts within 30 s, 100 ms to 2 s
 * apart, each given up after 10 s. Enough to ride out a restart of the server.
 */
export const DEFAULT_RETRY: Readonly<Required<Omit<RetryOptions, "onRetry">>> = {
  maxAttempts: 20,
  attemptTimeout: 10_000,
  maxElapsed: 30_000,
  minDelay: 100,
  maxDelay: 2_000,
};

/** {@linkcode RetryOptions} with every default filled in. */
export interface RetryPolicy extends Required<Omit<RetryOptions, "onRetry">> {
  onRetry: ((event: RetryEvent) => void) | undefined;
}

/**
 * Checks retry options and fills in the defaults.
 *
 * @param options The options, `false` for no retries, or `undefined` for the defaults.
 * @returns The policy, or `undefined` for no retries.
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a number is out of its range.
 */
export function retryPolicy(options: RetryOptions | false | undefined): RetryPolicy | undefined {
  if (options === false) return undefined;
  if (options === undefined) return { ...DEFAULT_RETRY, onRetry: undefined };
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected retry to be an object or false, got ${describe(options)}`);
  }
  const number = (name: keyof typeof DEFAULT_RETRY, min: number): number => {
    const value = options[name];
    if (value === undefined) return DEFAULT_RETRY[name];
    assertInteger(`retry.${name}`, value);
    if (value < min) {
      throw new RangeError(`Expected retry.${name} to be at least "${min}", got "${value}"`);
    }
    return value;
  };
  const { onRetry } = options;
  if (onRetry !== undefined && typeof onRetry !== "function") {
    throw new TypeError(`Expected retry.onRetry to be a function, got ${describe(onRetry)}`);
  }
  const minDelay = number("minDelay", 0);
  return {
    maxAttempts: number("maxAttempts", 1),
    attemptTimeout: number("attemptTimeout", 1),
    maxElapsed: number("maxElapsed", 0),
    minDelay,
    maxDelay: number("maxDelay", minDelay),
    onRetry,
  };
}

/**
 * Whether a failure is worth another attempt: no answer (a refused, reset or timed-out
 * connection), a 5xx (`INTERNAL`, a proxy's 502/503/504, the log closed under the request),
 * a 408 or a 429. A refusal (another 4xx) would be answered the same again.
 *
 * @param error What an attempt failed with.
 * @returns `true` when another attempt may succeed.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof ClosedError) return true;
  if (!(error instanceof HttpError)) return false;
  return error.code === "NETWORK" || error.status === 0 || error.status >= 500 ||
    error.status === 408 || error.status === 429;
}

/**
 * The wait before retry number `retry` (1 for the first): `minDelay` doubled each time up to
 * `maxDelay`, half of it fixed and half random, so that clients that failed together do not
 * come back together, yet never retry in a burst.
 *
 * @param policy The policy.
 * @param retry The retry's number, from 1.
 * @returns Milliseconds.
 */
export function backoff(policy: Pick<RetryPolicy, "minDelay" | "maxDelay">, retry: number): number {
  const ceiling = Math.min(policy.maxDelay, policy.minDelay * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + Math.random() * ceiling / 2);
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not transient, or the policy's
 * attempts or time run out. Each attempt gets a signal that aborts when the caller's does and
 * when its timeout passes (then with an `HttpError` `NETWORK` as the reason, which the attempt
 * rejects with).
 *
 * @param policy The retry policy, or `undefined` for one attempt without a timeout.
 * @param signal The caller's signal: aborting it ends the retries with its reason.
 * @param attempt One attempt; it must reject with its signal's reason once that is aborted.
 * @returns What the successful attempt resolved.
 * @throws The caller's abort reason; a failure that is not transient; the last transient
 * failure once the attempts or the time ran out (an `HttpError` then says so in its message,
 * with the failure as its `cause`).
 */
export async function withRetries<T>(
  policy: RetryPolicy | undefined,
  signal: AbortSignal | undefined,
  attempt: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (policy === undefined) return await attempt(signal);
  const started = Date.now();
  for (let n = 1;; n++) {
    let error: unknown;
    try {
      return await timed(policy.attemptTimeout, signal, attempt);
    } catch (thrown) {
      error = thrown;
    }
    if (signal?.aborted === true) throw signal.reason;
    if (!isTransient(error)) throw error;
    const delay = backoff(policy, n);
    const elapsed = Date.now() - started;
    if (n >= policy.maxAttempts || elapsed + delay > policy.maxElapsed) {
      throw gaveUp(error, n, Date.now() - started);
    }
    policy.onRetry?.({ attempt: n, error, delay });
    await sleep(delay, signal);
  }
}

/** One attempt, given up after `timeout` ms. */
async function timed<T>(
  timeout: number,
  signal: AbortSignal | undefined,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new HttpError("NETWORK", 0, `No answer within "${timeout}" ms`)),
    timeout,
  );
  try {
    return await attempt(controller.signal);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** The error of an append whose retries ran out. */
function gaveUp(error: unknown, attempts: number, elapsed: number): unknown {
  if (!(error instanceof HttpError)) return error;
  return new HttpError(
    error.code,
    error.status,
    `${error.message}; gave up after "${attempts}" attempts in "${
      (elapsed / 1000).toFixed(1)
    }" s: the append may or may not have been written`,
    { cause: error },
  );
}

/** Waits `ms` milliseconds; rejects with the signal's reason once it is aborted. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
