/**
 * The npm package's `@edgelog/edgelog/client` (JSR: `./src/client/mod.ts`, which it
 * re-exports unchanged): the same client, whose tails use the `ws` package's WebSocket when
 * the runtime has no global one (Node 20).
 *
 * @module
 */
import "./use_ws.ts";

export * from "../client/mod.ts";
