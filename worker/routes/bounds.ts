/**
 * `GET /logs/{name}/bounds` and `GET /logs/{name}/range`: the offsets a log holds
 * (PROTOCOL.md, Routes).
 *
 * @module
 */
import { routeQuery } from "../../src/protocol/routes.ts";
import { json, onlyQuery, queryOf } from "../http.ts";
import type { RouteContext } from "./host.ts";

/**
 * `GET /bounds`: the half-open range `{"begin": B, "end": E}` of stored offsets.
 *
 * @param c The request's context.
 * @returns The response.
 */
export function getBounds(c: RouteContext): Response {
  onlyQuery(queryOf(c.req.url), routeQuery("/bounds", "GET"));
  return json(c.env.log().boundsSync());
}

/**
 * `GET /range`: the inclusive range `{"earliest": A, "latest": Z}` of available offsets.
 *
 * @param c The request's context.
 * @returns The response.
 */
export async function getRange(c: RouteContext): Promise<Response> {
  onlyQuery(queryOf(c.req.url), routeQuery("/range", "GET"));
  return json(await c.env.log().range());
}
