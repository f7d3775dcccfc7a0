/**
 * The options of the test server, checked and turned into the deployment's vars
 * (worker/env.ts reads them: `AUTH_SECRET`, `EDGELOG_OPEN_DEV`, `DEFAULT_MAX_RECORD_SIZE`,
 * `DEFAULT_MAX_SEGMENT_SIZE`, `DEFAULT_MAX_AGE`, `MAX_TAILS_PER_LOG`, `CORS_ORIGINS`).
 *
 * @module
 */
import { deploymentVarsOf } from "../src/protocol/deployment_vars.ts";
import { MAX_RECORD_SIZE_LIMIT } from "../src/protocol/limits.ts";
import { MIN_SECRET_BYTES } from "../src/protocol/token.ts";

/** The configuration of a log that was never configured (`PUT /logs/{name}/config`). */
export interface TestLogDefaults {
  /** The largest record in bytes: an integer from 1 to `MAX_RECORD_SIZE_LIMIT`. Default 1 MiB. */
  maxRecordSize?: number;
  /**
   * Records per segment (retention by count): a positive integer, or `Infinity` to keep
   * every record. Default `Infinity`, as deployed.
   */
  maxSegmentSize?: number;
  /** Retention by age in milliseconds: a positive integer. Default: none. */
  maxAge?: number;
}

/** Options of {@linkcode startTestServer}. */
export interface TestServerOptions {
  /**
   * The `AUTH_SECRET` the server verifies tokens with, at least 32 bytes: every request then
   * needs a token ({@linkcode TestServer.token}). Default: none, and the server runs in open
   * development mode (`EDGELOG_OPEN_DEV`): every request is accepted without a token.
   */
  secret?: string;
  /**
   * A folder that keeps the logs' SQLite databases: a server started later on the same folder
   * finds them. Its layout is that of `wrangler dev`: `DIR/v3/do` opens the logs of
   * `wrangler dev --persist-to DIR`. Default: in memory, gone at `close()`.
   */
  persist?: string;
  /** The configuration of logs never configured. Default: the deployment's (wrangler.toml). */
  defaults?: TestLogDefaults;
  /** The most tails connected to one log at once: a positive integer. Default 2000. */
  maxTails?: number;
  /** Origins allowed to call the API from a browser, or `"*"` for any. Default: none. */
  corsOrigins?: readonly string[] | "*";
  /** The TCP port on 127.0.0.1, from 0 to 65535. Default 0: a free port. */
  port?: number;
}

/** The checked options: the vars to bind over wrangler.toml's, and the rest. */
export interface CheckedOptions {
  /** The vars. */
  vars: Record<string, string>;
  /** The secret, if any. */
  secret: string | undefined;
  /** The persistence folder, if any. */
  persist: string | undefined;
  /** The port. */
  port: number;
}

const KEYS = ["secret", "persist", "defaults", "maxTails", "corsOrigins", "port"];
const DEFAULTS_KEYS = ["maxRecordSize", "maxSegmentSize", "maxAge"];

/**
 * Checks the options of {@linkcode startTestServer}.
 *
 * @param options The options.
 * @returns The vars to bind and the other settings.
 * @throws {TypeError} When an option is unknown or has the wrong type.
 * @throws {RangeError} Naming the option, when a value is out of range.
 */
export function checkOptions(options: TestServerOptions): CheckedOptions {
  known(options, KEYS, "");
  const { secret, persist, defaults = {}, maxTails, corsOrigins, port = 0 } = options;
  known(defaults, DEFAULTS_KEYS, "defaults.");
  const vars: Record<string, string> = {};
  if (secret === undefined) {
    vars.EDGELOG_OPEN_DEV = "true";
    vars.AUTH_SECRET = "";
  } else {
    if (typeof secret !== "string") throw typeError("secret", "a string", secret);
    const bytes = new TextEncoder().encode(secret).byteLength;
    if (bytes < MIN_SECRET_BYTES) {
      throw new RangeError(
        `Expected secret to hold at least ${MIN_SECRET_BYTES} bytes, got "${bytes}"`,
      );
    }
    vars.AUTH_SECRET = secret;
  }
  if (persist !== undefined && (typeof persist !== "string" || persist === "")) {
    throw typeError("persist", "a folder path", persist);
  }
  // Checked here, so that a bad option is an error naming it at once, not a server whose every
  // request answers 500 for a bad var.
  const { maxRecordSize, maxSegmentSize, maxAge } = defaults;
  if (maxRecordSize !== undefined) {
    integer("defaults.maxRecordSize", maxRecordSize, 1, MAX_RECORD_SIZE_LIMIT);
  }
  if (maxSegmentSize !== undefined && maxSegmentSize !== Infinity) {
    integer("defaults.maxSegmentSize", maxSegmentSize, 1, Number.MAX_SAFE_INTEGER, "or Infinity");
  }
  if (maxAge !== undefined) integer("defaults.maxAge", maxAge, 1, Number.MAX_SAFE_INTEGER);
  if (maxTails !== undefined) integer("maxTails", maxTails, 1, Number.MAX_SAFE_INTEGER);
  if (corsOrigins !== undefined) checkOrigins(corsOrigins);
  integer("port", port, 0, 65535);
  Object.assign(vars, deploymentVarsOf(options));
  return { vars, secret, persist, port };
}

function known(options: object, keys: readonly string[], prefix: string): void {
  if (typeof options !== "object" || options === null) {
    throw typeError(prefix === "" ? "the options" : prefix.slice(0, -1), "an object", options);
  }
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) {
      throw new TypeError(
        `Unknown option "${prefix}${key}": expected one of ${
          keys.map((k) => `"${prefix}${k}"`).join(", ")
        }`,
      );
    }
  }
}

function integer(name: string, value: unknown, min: number, max: number, or = ""): void {
  if (typeof value !== "number") throw typeError(name, "a number", value);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Expected ${name} to be an integer from ${min} to ${max}${
        or === "" ? "" : ` ${or}`
      }, got "${value}"`,
    );
  }
}

function checkOrigins(value: unknown): void {
  if (value === "*") return;
  if (!Array.isArray(value)) throw typeError("corsOrigins", 'an array of origins or "*"', value);
  for (const origin of value) {
    if (typeof origin !== "string") throw typeError("corsOrigins", "an array of strings", origin);
    if (origin === "*") continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      throw new RangeError(
        `Expected corsOrigins to hold origins such as "https://app.example.com", got "${origin}"`,
      );
    }
  }
}

function typeError(name: string, expected: string, value: unknown): TypeError {
  const got = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return new TypeError(`Expected ${name} to be ${expected}, got "${got}"`);
}
