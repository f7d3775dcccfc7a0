// The rules of log names (PROTOCOL.md, Log names), checked before a name goes into a URL:
// a name that broke them could split into another log's name and a route on the server.
// The server checks the same rules (worker/log_name.ts). Internal to the client.

/** The longest log name, in characters. */
const MAX_LENGTH = 200;
const SEGMENT = /^[A-Za-z0-9._~-]+$/;
/** Path segments that start a route inside a log. */
const ROUTE_WORDS: ReadonlySet<string> = new Set([
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
  if (name.length === 0 || name.length > MAX_LENGTH) {
    throw new RangeError(
      `Expected a log name of 1 to ${MAX_LENGTH} characters, got "${name.length}" characters`,
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
    if (ROUTE_WORDS.has(segment)) {
      throw new RangeError(`Log name "${name}" has the route word "${segment}" as a segment`);
    }
  }
}
