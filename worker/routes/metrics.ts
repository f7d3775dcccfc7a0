/**
 * `GET /logs/{name}/metrics`: the LogObject's own metrics (PROTOCOL.md, Metrics).
 *
 * @module
 */
import { routeQuery } from "../../src/protocol/routes.ts";
import { json, onlyQuery, queryOf } from "../http.ts";
import type { RouteContext } from "./host.ts";

/**
 * `GET /metrics`: the instance's rows read and written, requests, pending timers and alarm,
 * as JSON.
 *
 * @param c The request's context.
 * @returns The response.
 */
export async function getMetrics(c: RouteContext): Promise<Response> {
  onlyQuery(queryOf(c.req.url), routeQuery("/metrics", "GET"));
  return json(await c.env.metrics());
}
