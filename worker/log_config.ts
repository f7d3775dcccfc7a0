/**
 * A log's configuration: the body of `PUT /logs/{name}/config`, and the deployment's vars
 * (wrangler.toml `[vars]`) that give the defaults of a log never configured and the tail
 * limit. Both are checked strictly: a bad body is a 400, a bad var a start-up error that
 * names it (every request of the object then answers 500), never a silent default.
 *
 * @module
 */
import type { LogConfig } from "../src/client/log_client.ts";
import { HttpError } from "./http.ts";

export type { LogConfig } from "../src/client/log_client.ts";

/**
 * The largest `maxRecordSize` a log accepts: a Durable Object's SQLite row holds at most
 * 2,000,000 bytes, and a record's row also holds its position and creation time.
 */
export const MAX_RECORD_SIZE_LIMIT = 2_000_000 - 1_000;
/** The most tails connected to one log at once, unless `MAX_TAILS_PER_LOG` says otherwise. */
export const DEFAULT_MAX_TAILS = 2000;
/** The default record size limit when `DEFAULT_MAX_RECORD_SIZE` is not set: 1 MiB. */
const DEFAULT_RECORD_SIZE = 1024 * 1024;

/** The vars of {@linkcode parseDeploymentVars}, as wrangler.toml or `.dev.vars` give them. */
export interface DeploymentVarsInput {
  /** Default maximum record size in bytes: an integer from 1 to `MAX_RECORD_SIZE_LIMIT`. */
  DEFAULT_MAX_RECORD_SIZE?: string;
  /** Default records per segment: a positive integer, or "Infinity" to keep every record. */
  DEFAULT_MAX_SEGMENT_SIZE?: string;
  /** The most tails connected to one log at once: a positive integer. */
  MAX_TAILS_PER_LOG?: string;
}

/** The checked vars of a deployment. */
export interface DeploymentVars {
  /** The configuration of a log that was never configured. */
  defaults: LogConfig;
  /** The most tails connected to one log at once. */
  maxTails: number;
}

/**
 * Reads the deployment's vars; an unset or empty var takes its default (1 MiB records, no
 * count-based retention, 2000 tails).
 *
 * @param env The Worker's bindings.
 * @returns The checked values.
 * @throws {RangeError} Naming the var, when one is set to something else.
 */
export function parseDeploymentVars(env: DeploymentVarsInput): DeploymentVars {
  const segment = env.DEFAULT_MAX_SEGMENT_SIZE;
  return {
    defaults: {
      maxSegmentSize: segment === undefined || segment === "" || segment === "Infinity"
        ? null
        : positiveVar("DEFAULT_MAX_SEGMENT_SIZE", segment, Number.MAX_SAFE_INTEGER, '"Infinity"'),
      maxRecordSize: env.DEFAULT_MAX_RECORD_SIZE === undefined || env.DEFAULT_MAX_RECORD_SIZE === ""
        ? DEFAULT_RECORD_SIZE
        : positiveVar(
          "DEFAULT_MAX_RECORD_SIZE",
          env.DEFAULT_MAX_RECORD_SIZE,
          MAX_RECORD_SIZE_LIMIT,
        ),
    },
    maxTails: env.MAX_TAILS_PER_LOG === undefined || env.MAX_TAILS_PER_LOG === ""
      ? DEFAULT_MAX_TAILS
      : positiveVar("MAX_TAILS_PER_LOG", env.MAX_TAILS_PER_LOG, Number.MAX_SAFE_INTEGER),
  };
}

function positiveVar(name: string, value: string, max: number, or?: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= max)) {
    throw new RangeError(
      `The var ${name} must be an integer from 1 to ${max}${
        or === undefined ? "" : ` or ${or}`
      }, got "${value}"`,
    );
  }
  return n;
}

/**
 * Parses a `PUT /config` body over the current configuration: a JSON object with any of
 * `maxSegmentSize` (a positive integer, `null` or `"Infinity"`) and `maxRecordSize` (an
 * integer from 1 to {@linkcode MAX_RECORD_SIZE_LIMIT}).
 *
 * @param body The request body.
 * @param current The configuration the fields not given keep.
 * @returns The new configuration.
 * @throws {HttpError} `BAD_REQUEST` for anything else.
 */
export function parseConfig(body: Uint8Array, current: LogConfig): LogConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new HttpError("BAD_REQUEST", "The config body must be JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new HttpError("BAD_REQUEST", "The config body must be a JSON object");
  }
  const next = { ...current };
  for (const [key, value] of Object.entries(parsed)) {
    if (key === "maxSegmentSize") {
      if (value === null || value === "Infinity") next.maxSegmentSize = null;
      else if (Number.isSafeInteger(value) && (value as number) > 0) {
        next.maxSegmentSize = value as number;
      } else {
        throw new HttpError(
          "BAD_REQUEST",
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
        throw new HttpError(
          "BAD_REQUEST",
          `maxRecordSize must be an integer from 1 to ${MAX_RECORD_SIZE_LIMIT}, got ${
            JSON.stringify(value)
          }`,
        );
      }
      next.maxRecordSize = value as number;
    } else {
      throw new HttpError("BAD_REQUEST", `Unknown config field "${key}"`);
    }
  }
  return next;
}
