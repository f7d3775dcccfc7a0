/**
 * `GET /logs/{name}/session`: an append session over a hibernating WebSocket (PROTOCOL.md,
 * Append session).
 *
 * @module
 */
import { routeQuery } from "../../src/protocol/routes.ts";
import { offeredSubprotocols, TAIL_SUBPROTOCOL } from "../../src/protocol/tail.ts";
import { ApiError, isWebSocketUpgrade, onlyQuery, queryOf } from "../http.ts";
import type { RouteContext } from "./host.ts";

/**
 * `GET /session`: accepts the WebSocket upgrade and hands the socket to the log's sessions.
 *
 * @param c The request's context.
 * @returns The 101 response.
 */
export function openSession(c: RouteContext): Response {
  if (!isWebSocketUpgrade(c.req.raw.headers)) {
    throw new ApiError("UPGRADE_REQUIRED", "The append session needs a WebSocket upgrade", {
      upgrade: "websocket",
    });
  }
  onlyQuery(queryOf(c.req.url), routeQuery("/session", "GET"));
  const host = c.env;
  const { maxRecordSize } = host.config();
  // Browsers fail the handshake unless one offered subprotocol is selected.
  const offered = offeredSubprotocols(c.req.header("sec-websocket-protocol"));
  return host.sessions.accept(
    maxRecordSize,
    offered.includes(TAIL_SUBPROTOCOL) ? TAIL_SUBPROTOCOL : undefined,
  );
}
