/**
 * `DELETE /logs/{name}`: the log itself (PROTOCOL.md, Routes).
 *
 * @module
 */
import { routeQuery } from "../../src/protocol/routes.ts";
import { onlyQuery, queryOf } from "../http.ts";
import type { RouteContext } from "./host.ts";

/**
 * `DELETE /`: deletes the log and all its storage, its configuration included; its tails
 * are closed with code 4404. Answers 204.
 *
 * @param c The request's context.
 * @returns The response.
 */
export async function deleteLog(c: RouteContext): Promise<Response> {
  onlyQuery(queryOf(c.req.url), routeQuery("/", "DELETE"));
  await c.env.delete();
  return new Response(null, { status: 204 });
}
