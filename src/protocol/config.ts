/**
 * A log's configuration on the wire (PROTOCOL.md, `GET` and `PUT /logs/{name}/config`): its
 * shape, the checking of a `PUT` body, and how it maps to the core `Log`'s options (`null`,
 * no retention by count or by age, is the Log's `Infinity`).
 *
 * @example
 * ```ts ignore
 * const body = new TextEncoder().encode('{"maxSegmentSize":"Infinity"}');
 * parseConfigBody(body, { maxSegmentSize: 100, maxRecordSize: 1024, maxAge: null });
 * // { maxSegmentSize: null, maxRecordSize: 1024, maxAge: null }
 * ```
 *
 * @module
 */
import { MAX_RECORD_SIZE_LIMIT } from "./limits.ts";

/** A log's configuration on the server (`GET /logs/{name}/config`). */
export interface LogConfig {
  /** Records per segment (retention keeps two segments), or `null` to keep every record. */
  maxSegmentSize: number | null;
  /** The largest record the log accepts, in bytes. */
  maxRecordSize: number;
  /**
   * Retention by age in milliseconds: records older than this are gone (410 `OUT_OF_RANGE`),
   * or `null` to keep records whatever their age.
   */
  maxAge: number | null;
}

/** The options of a core `Log` that a {@linkcode LogConfig} sets. */
export interface LogConfigOptions {
  /** Records per segment; `Infinity` keeps every record. */
  maxSegmentSize: number;
  /** The largest record, in bytes. */
  maxRecordSize: number;
  /** Retention by age in milliseconds; `Infinity` keeps records whatever their age. */
  maxAge: number;
}

/**
 * The configuration of a Log with these options.
 *
 * @param log The Log, or its options.
 * @returns The configuration, `null` for `Infinity`.
 *
 * @example
 * ```ts ignore
 * configOf({ maxSegmentSize: Infinity, maxRecordSize: 8, maxAge: 60_000 });
 * // { maxSegmentSize: null, maxRecordSize: 8, maxAge: 60000 }
 * ```
 */
export function configOf(log: Readonly<LogConfigOptions>): LogConfig {
  return {
    maxSegmentSize: log.maxSegmentSize === Infinity ? null : log.maxSegmentSize,
    maxRecordSize: log.maxRecordSize,
    maxAge: log.maxAge === Infinity ? null : log.maxAge,
  };
}

/**
 * The Log options a configuration sets.
 *
 * @param config The configuration.
 * @returns The options, `Infinity` for `null`.
 *
 * @example
 * ```ts ignore
 * new Log({ journal, ...logOptionsOf(config) });
 * ```
 */
export function logOptionsOf(config: Readonly<LogConfig>): LogConfigOptions {
  return {
    maxSegmentSize: config.maxSegmentSize ?? Infinity,
    maxRecordSize: config.maxRecordSize,
    maxAge: config.maxAge ?? Infinity,
  };
}

/**
 * Parses a `PUT /config` body over the current configuration: a JSON object with any of
 * `maxSegmentSize` (a positive integer, `null` or `"Infinity"`), `maxRecordSize` (an
 * integer from 1 to {@linkcode MAX_RECORD_SIZE_LIMIT}) and `maxAge` (a positive integer of
 * milliseconds, or `null`).
 *
 * @param body The request body.
 * @param current The configuration the fields not given keep.
 * @returns The new configuration.
 * @throws {TypeError} When the body is not a JSON object.
 * @throws {RangeError} When a field is unknown or its value invalid. The server answers
 * both 400 `BAD_REQUEST`.
 *
 * @example
 * ```ts ignore
 * parseConfigBody(new TextEncoder().encode('{"maxRecordSize":0}'), current); // RangeError
 * ```
 */
export function parseConfigBody(body: Uint8Array, current: Readonly<LogConfig>): LogConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new TypeError("The config body must be JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new TypeError("The config body must be a JSON object");
  }
  const next = { ...current };
  for (const [key, value] of Object.entries(parsed)) {
    if (key === "maxSegmentSize") {
      if (value === null || value === "Infinity") next.maxSegmentSize = null;
      else if (Number.isSafeInteger(value) && (value as number) > 0) {
        next.maxSegmentSize = value as number;
      } else {
        throw new RangeError(
          `maxSegmentSize must be a positive integer, null or "Infinity", got ${
            JSON.stringify(value)
          }`,
        );
      }
    } else if (key === "maxRecordSize") {
      if (
        !Number.isSafeInteger(value) || (value as number) < 1 ||
        (value as number) > MAX_RECORD_SIZE_LIMIT
      ) {
        throw new RangeError(
          `maxRecordSize must be an integer from 1 to ${MAX_RECORD_SIZE_LIMIT}, got ${
            JSON.stringify(value)
          }`,
        );
      }
      next.maxRecordSize = value as number;
    } else if (key === "maxAge") {
      if (value !== null && !(Number.isSafeInteger(value) && (value as number) > 0)) {
        throw new RangeError(
          `maxAge must be a positive integer of milliseconds or null, got ${JSON.stringify(value)}`,
        );
      }
      next.maxAge = value as number | null;
    } else {
      throw new RangeError(`Unknown config field "${key}"`);
    }
  }
  return next;
}
