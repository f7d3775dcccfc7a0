// The WebSocket constructor a tail falls back on when neither the client's `WebSocket` option
// nor the runtime gives one. Nothing sets it in Deno, browsers or Workers, which have a global
// `WebSocket`; the npm package's Node entries (src/node/) set it to the `ws` package's, for
// Node 20. Internal: the client's mod.ts does not export it, and the JSR module never imports
// `ws`.
import { describe } from "../core/validate.ts";
import type { WebSocketConstructor } from "./tail.ts";

let fallback: WebSocketConstructor | undefined;

/**
 * Sets the WebSocket constructor of tails in a runtime without a global `WebSocket`.
 *
 * @param constructor The constructor, e.g. the `ws` package's `WebSocket`; `undefined`
 * removes it.
 * @throws {TypeError} When `constructor` is neither a function nor `undefined`.
 */
export function setFallbackWebSocket(constructor: WebSocketConstructor | undefined): void {
  if (constructor !== undefined && typeof constructor !== "function") {
    throw new TypeError(`Expected a WebSocket constructor, got ${describe(constructor)}`);
  }
  fallback = constructor;
}

/**
 * The WebSocket constructor of a tail whose client was given none: the runtime's global
 * `WebSocket` when there is one (Deno, browsers, Workers, Node 22+), else the one set by
 * {@linkcode setFallbackWebSocket}, else `undefined`.
 */
export function defaultWebSocket(): WebSocketConstructor | undefined {
  const global = (globalThis as { WebSocket?: unknown }).WebSocket;
  return typeof global === "function" ? global as WebSocketConstructor : fallback;
}
