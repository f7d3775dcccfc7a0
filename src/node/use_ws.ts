// Node only, npm package only: makes the `ws` package's WebSocket the one of every tail whose
// client was given none, in a runtime without a global `WebSocket` (Node 20; Node 22+'s global
// one is still preferred). Imported for its effect by the npm entries of the client and the
// command line, before any of their code runs. Not part of the JSR module (deno.json's
// publish.exclude), which never imports `ws`.
import WebSocket from "ws";
import { setFallbackWebSocket } from "../client/fallback_web_socket.ts";
import type { WebSocketConstructor } from "../client/tail.ts";

setFallbackWebSocket(WebSocket as unknown as WebSocketConstructor);
