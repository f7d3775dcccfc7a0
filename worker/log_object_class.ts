/**
 * {@linkcode logObjectClass}: the LogObject with the object's deployment vars given as
 * options in code rather than as vars in wrangler.toml.
 *
 * @module
 */
import type { LogConfig } from "../src/protocol/config.ts";
import { deploymentVarsOf } from "../src/protocol/deployment_vars.ts";
import type { Env } from "./env.ts";
import { LogObject } from "./object/log_object.ts";

/** The LogObject's options: each one wins over the var of the same meaning. */
export interface LogObjectOptions {
  /**
   * The configuration of a log never configured (`PUT /config`): the vars
   * `DEFAULT_MAX_SEGMENT_SIZE` (`null`: keep every record), `DEFAULT_MAX_RECORD_SIZE` and
   * `DEFAULT_MAX_AGE` (`null`: no retention by age).
   */
  defaults?: Partial<LogConfig>;
  /** The most tails connected to one log at once (the `MAX_TAILS_PER_LOG` var). */
  maxTails?: number;
}

/**
 * A LogObject class whose vars come from `options`, checked as the vars are when the object
 * starts (a bad value is a start-up error naming the var: every request then answers 500).
 * Export it under the class name bound in wrangler.toml.
 *
 * @param options The defaults of new logs and the tail limit.
 * @returns The class.
 *
 * @example
 * ```ts ignore
 * import { logObjectClass } from "@edgelog/edgelog/worker";
 *
 * // wrangler.toml binds LOGS to the class "LogObject".
 * export const LogObject = logObjectClass({ defaults: { maxAge: 7 * 24 * 3600_000 } });
 * ```
 */
export function logObjectClass(options: LogObjectOptions): typeof LogObject {
  const vars = deploymentVarsOf(options);
  return class extends LogObject {
    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, { ...env, ...vars });
    }
  };
}
