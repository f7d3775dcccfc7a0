/**
 * How a log's deletion ends its WebSockets, tails and append sessions alike.
 *
 * @module
 */
import { CLOSE_LOG_DELETED, CLOSE_LOG_DELETED_REASON } from "../src/protocol/tail.ts";

/**
 * Forgets each socket and closes it with {@linkcode CLOSE_LOG_DELETED}: the log is being
 * deleted. A socket already closed is skipped.
 *
 * @param sockets The object's sockets of one kind (`ctx.getWebSockets(tag)`).
 * @param forget Drops what the caller keeps of a socket.
 */
export function closeForDeletedLog(
  sockets: Iterable<WebSocket>,
  forget: (ws: WebSocket) => void,
): void {
  for (const ws of sockets) {
    forget(ws);
    try {
      ws.close(CLOSE_LOG_DELETED, CLOSE_LOG_DELETED_REASON);
    } catch {
      // Already closed.
    }
  }
}
