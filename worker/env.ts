/**
 * The deployment's bindings and vars (wrangler.toml): the `Env` of the Worker and the
 * LogObject, and the strict reading of the vars that give the defaults of a log never
 * configured and the tail limit. A bad var is a start-up error that names it (every request
 * of the object then answers 500), never a silent default.
 *
 * @module
 */
import { DEFAULT_MAX_RECORD_SIZE } from "../mod.ts";
import type { LogConfig } from "../src/protocol/config.ts";
import { DEFAULT_MAX_TAILS, MAX_RECORD_SIZE_LIMIT } from "../src/protocol/limits.ts";
import type { DeploymentVarsInput } from "../src/protocol/deployment_vars.ts";
import type { LogObject } from "./object/log_object.ts";

/** The vars of {@linkcode parseDeploymentVars}, as wrangler.toml or `.dev.vars` give them. */
export type { DeploymentVarsInput };

/** The bindings and vars of the deployment (wrangler.toml). */
export interface Env extends DeploymentVarsInput {
  /** The LogObject namespace. */
  LOGS: DurableObjectNamespace<LogObject>;
  /** The HS256 secret of the tokens (a Worker secret); none or empty: no tokens. */
  AUTH_SECRET?: string;
  /** "true" opens a deployment without AUTH_SECRET to every request: local development only. */
  EDGELOG_OPEN_DEV?: string;
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
 * retention by count or by age, 2000 tails).
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
        ? DEFAULT_MAX_RECORD_SIZE
        : positiveVar(
          "DEFAULT_MAX_RECORD_SIZE",
          env.DEFAULT_MAX_RECORD_SIZE,
          MAX_RECORD_SIZE_LIMIT,
        ),
      maxAge: env.DEFAULT_MAX_AGE === undefined || env.DEFAULT_MAX_AGE === ""
        ? null
        : positiveVar("DEFAULT_MAX_AGE", env.DEFAULT_MAX_AGE, Number.MAX_SAFE_INTEGER),
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
