/**
 * The vars of an edgelog deployment that options in code can stand for (wrangler.toml
 * `[vars]`, `.dev.vars`): the defaults of logs never configured, the tail limit and the
 * browser origins, and the one mapping from typed options to them, used by the LogObject
 * class with vars in code, the mounted handler and the test server. The Worker reads and
 * checks the vars themselves (worker/env.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deploymentVarsOf } from "./deployment_vars.ts";
 *
 * assert.deepEqual(deploymentVarsOf({ defaults: { maxSegmentSize: null }, maxTails: 10 }), {
 *   DEFAULT_MAX_SEGMENT_SIZE: "Infinity",
 *   MAX_TAILS_PER_LOG: "10",
 * });
 * ```
 *
 * @module
 */

/** The vars, as wrangler.toml or `.dev.vars` give them. */
export interface DeploymentVarsInput {
  /** Default maximum record size in bytes: an integer from 1 to `MAX_RECORD_SIZE_LIMIT`. */
  DEFAULT_MAX_RECORD_SIZE?: string;
  /** Default records per segment: a positive integer, or "Infinity" to keep every record. */
  DEFAULT_MAX_SEGMENT_SIZE?: string;
  /** Default retention by age in milliseconds: a positive integer; unset keeps every record. */
  DEFAULT_MAX_AGE?: string;
  /** The most tails connected to one log at once: a positive integer. */
  MAX_TAILS_PER_LOG?: string;
  /** Origins allowed to call the API from a browser: comma-separated, or "*". */
  CORS_ORIGINS?: string;
}

/** The same settings as options in code. */
export interface DeploymentOptions {
  /**
   * The configuration of a log never configured: `maxSegmentSize` (`null` or `Infinity`:
   * keep every record), `maxRecordSize`, `maxAge` (`null`: no retention by age).
   */
  defaults?: {
    maxSegmentSize?: number | null;
    maxRecordSize?: number;
    maxAge?: number | null;
  };
  /** The most tails connected to one log at once. */
  maxTails?: number;
  /** Origins allowed to call the API from a browser: a list, a comma-separated string, or "*". */
  corsOrigins?: string | readonly string[];
}

/**
 * The vars that `options` stand for; options not given set no var. Values are not checked
 * here: the Worker checks the vars when it reads them.
 *
 * @param options The options.
 * @returns The vars.
 */
export function deploymentVarsOf(options: DeploymentOptions): DeploymentVarsInput {
  const vars: DeploymentVarsInput = {};
  const { defaults = {}, maxTails, corsOrigins } = options;
  const { maxSegmentSize, maxRecordSize, maxAge } = defaults;
  if (maxSegmentSize !== undefined) {
    vars.DEFAULT_MAX_SEGMENT_SIZE = maxSegmentSize === null || maxSegmentSize === Infinity
      ? "Infinity"
      : String(maxSegmentSize);
  }
  if (maxRecordSize !== undefined) vars.DEFAULT_MAX_RECORD_SIZE = String(maxRecordSize);
  // An empty var is an unset one: no retention by age.
  if (maxAge !== undefined) vars.DEFAULT_MAX_AGE = maxAge === null ? "" : String(maxAge);
  if (maxTails !== undefined) vars.MAX_TAILS_PER_LOG = String(maxTails);
  if (corsOrigins !== undefined) {
    vars.CORS_ORIGINS = typeof corsOrigins === "string" ? corsOrigins : corsOrigins.join(",");
  }
  return vars;
}
