/**
 * edgelog in a Worker of your own (`@edgelog/edgelog/worker`): the `LogObject` class to
 * export and bind (one SQLite-backed Durable Object per named log), {@linkcode edgelog} to
 * serve the HTTP API under a path of your Worker (a `fetch` handler and a Hono sub-app, with
 * edgelog's tokens or your own authorization), and {@linkcode logRpc} to call a log over
 * Durable Object RPC from your own code.
 *
 * wrangler.toml of your Worker:
 *
 * ```toml
 * [[durable_objects.bindings]]
 * name = "LOGS"
 * class_name = "LogObject"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["LogObject"]
 * ```
 *
 * @example A Worker that serves edgelog under /edgelog and writes to a log itself
 * ```ts ignore
 * import { Hono } from "hono";
 * import { edgelog, LogObject, logRpc } from "@edgelog/edgelog/worker";
 *
 * export { LogObject };
 * const app = new Hono<{ Bindings: { LOGS: DurableObjectNamespace<LogObject> } }>();
 * app.route("/edgelog", edgelog({ authorize: () => ({ tenant: "acme", rights: ["read"] }) }).app);
 * app.post("/orders", async (c) => {
 *   const { offset } = await logRpc(c.env.LOGS, "acme/orders").append(await c.req.bytes());
 *   return c.json({ offset });
 * });
 * export default app;
 * ```
 *
 * @module
 */
export { LogObject } from "./object/log_object.ts";
export { logObjectClass, type LogObjectOptions } from "./log_object_class.ts";
export { edgelog, type EdgelogHandler, type EdgelogOptions } from "./mount.ts";
export { type LogRpc, logRpc } from "./log_rpc.ts";
export type { DeploymentVarsInput, Env } from "./env.ts";
export type { RpcAppended, RpcAppendOptions, RpcReadOptions } from "../src/protocol/rpc.ts";
export type { Right, TokenGrant } from "../src/protocol/token.ts";
export type { LogConfig } from "../src/protocol/config.ts";
