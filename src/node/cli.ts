/**
 * The npm package's `@edgelog/edgelog/cli` (JSR: `./src/cli/cli.ts`, which it re-exports
 * unchanged): the same command line, whose `tail` uses the `ws` package's WebSocket when the
 * runtime has no global one (Node 20).
 *
 * @module
 */
import "./use_ws.ts";

export * from "../cli/cli.ts";
