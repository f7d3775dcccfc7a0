/**
 * `GET /logs/{name}/tail?from=N` (or `?since=T`): a live tail over a hibernating WebSocket
 * (PROTOCOL.md, Live tail).
 *
 * @module
 */
import { offeredSubprotocols, TAIL_SUBPROTOCOL } from "../../src/protocol/tail.ts";
import { routeQuery } from "../../src/protocol/routes.ts";
import { ApiError, isWebSocketUpgrade, onlyQuery, queryOf, readStart } from "../http.ts";
import type { RouteContext } from "./host.ts";

/**
 * `GET /tail`: accepts the WebSocket upgrade and hands the socket to the log's tails, which
 * send every record from `from` (default: the log's end), or from the first record created at
 * or after `since`.
 *
 * @param c The request's context.
 * @returns The 101 response.
 */
export function openTail(c: RouteContext): Response {
  if (!isWebSocketUpgrade(c.req.raw.headers)) {
    // workerd's HTTP server drops this header on any answer but a 101: only callers inside
    // the runtime see it (PROTOCOL.md, Live tail).
    throw new ApiError("UPGRADE_REQUIRED", "The tail needs a WebSocket upgrade", {
      upgrade: "websocket",
    });
  }
  const query = queryOf(c.req.url);
  onlyQuery(query, routeQuery("/tail", "GET"));
  const host = c.env;
  const start = readStart(query);
  const log = host.log();
  const { end } = log.boundsSync();
  const from = start === undefined
    ? end
    : "since" in start
    ? log.offsetAtSync(start.since)
    : start.from;
  const tails = host.tails;
  const maxTails = host.maxTails();
  if (tails.count >= maxTails) {
    throw new ApiError("TOO_MANY_TAILS", `A log has at most ${maxTails} tails`);
  }
  // Browsers fail the handshake unless one offered subprotocol is selected.
  const offered = offeredSubprotocols(c.req.header("sec-websocket-protocol"));
  return tails.accept(from, end, offered.includes(TAIL_SUBPROTOCOL) ? TAIL_SUBPROTOCOL : undefined);
}
