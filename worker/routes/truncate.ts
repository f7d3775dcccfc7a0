/**
 * `POST /logs/{name}/truncate?before=N` and `DELETE /logs/{name}/records?before=N`: remove
 * the oldest records (PROTOCOL.md, Routes).
 *
 * @module
 */
import { routeQuery } from "../../src/protocol/routes.ts";
import { ApiError, json, onlyQuery, queryInteger, queryOf } from "../http.ts";
import type { RouteContext } from "./host.ts";

/**
 * Removes the records below `?before=` (required) and answers the bounds after it; both
 * routes of truncation.
 *
 * @param c The request's context.
 * @returns The response.
 */
export async function truncate(c: RouteContext): Promise<Response> {
  const query = queryOf(c.req.url);
  // POST /truncate and DELETE /records take the same parameter.
  onlyQuery(query, routeQuery("/truncate", "POST"));
  const before = queryInteger(query, "before");
  if (before === undefined) throw new ApiError("BAD_REQUEST", "before is required");
  const log = c.env.log();
  await log.truncate(before);
  return json(log.boundsSync());
}
