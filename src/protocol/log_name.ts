// The rules of log names (PROTOCOL.md, Log names), one definition for both sides: the client
// checks a name before it goes into a URL (a name that broke them could split into another
// log's name and a route on the server), and the Worker checks every request's name with
// them (worker/log_name.ts). Not exported from the client's module.

/** The longest log name, in characters. */
export const MAX_LOG_NAME_LENGTH = 200;
const SEGMENT = /^[A-Za-z0-9._~-]+$/;
/**
 * Path segments that start a route inside a log, so they cannot be segments of a name:
 * `/logs/{name}/{route...}` splits at the first of them.
 */
export const ROUTE_SEGMENTS: ReadonlySet<string> = new Set([
  "records",
  "batch",
  "bounds",
  "range",
  "config",
  "truncate",
  "tail",
]);

/**
 * Checks a log name: 1 to 200 characters of `A-Z a-z 0-9 . _ ~ -` in `/`-separated
 * segments, no empty, `.` or `..` segment, no segment that is a route word.
 *
 * @throws {TypeError} When `name` is not a string.
 * @throws {RangeError} When it breaks a rule.
 */
export function assertLogName(name: unknown): asserts name is string {
  if (typeof name !== "string") {
    throw new TypeError(`Expected the log name to be a string, got "${typeof name}"`);
  }
  if (name.length === 0 || name.length > MAX_LOG_NAME_LENGTH) {
    throw new RangeError(
      `Expected a log name of 1 to ${MAX_LOG_NAME_LENGTH} characters, got "${name.length}" characters`,
    );
  }
  for (const segment of name.split("/")) {
    if (segment === "") throw new RangeError(`Log name "${name}" has an empty segment`);
    if (segment === "." || segment === "..") {
      throw new RangeError(`Log name "${name}" has a "${segment}" segment`);
    }
    if (!SEGMENT.test(segment)) {
      throw new RangeError(
        `Log name "${name}" may only hold the characters A-Z a-z 0-9 . _ ~ - and /`,
      );
    }
    if (ROUTE_SEGMENTS.has(segment)) {
      throw new RangeError(`Log name "${name}" has the route word "${segment}" as a segment`);
    }
  }
}
