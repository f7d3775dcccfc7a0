/**
 * `GET` and `PUT /logs/{name}/config`: a log's configuration (PROTOCOL.md, Routes).
 *
 * @module
 */
import { parseConfigBody } from "../../src/protocol/config.ts";
import { MAX_CONFIG_BYTES } from "../../src/protocol/limits.ts";
import { routeQuery } from "../../src/protocol/routes.ts";
import { ApiError, json, onlyQuery, queryOf, readBody } from "../http.ts";
import type { RouteContext } from "./host.ts";

/**
 * `GET /config`: the log's configuration.
 *
 * @param c The request's context.
 * @returns The response.
 */
export function getConfig(c: RouteContext): Response {
  onlyQuery(queryOf(c.req.url), routeQuery("/config", "GET"));
  return json(c.env.config());
}

/**
 * `PUT /config`: changes the fields the body gives, stores the result with the log and
 * answers the whole new configuration; it applies from the next append.
 *
 * @param c The request's context.
 * @returns The response.
 */
export async function putConfig(c: RouteContext): Promise<Response> {
  onlyQuery(queryOf(c.req.url), routeQuery("/config", "PUT"));
  const body = await readBody(
    c.req.raw,
    MAX_CONFIG_BYTES,
    () =>
      new ApiError("REQUEST_TOO_LARGE", `A config body holds at most ${MAX_CONFIG_BYTES} bytes`),
  );
  const host = c.env;
  const next = parseConfigBody(body, host.config());
  host.configure(next);
  return json(next);
}
