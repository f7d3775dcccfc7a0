/**
 * The Worker entry: routes `/logs/{name}/...` to the LogObject of that name.
 * See PROTOCOL.md for the API.
 *
 * @module
 */
import { Hono } from "hono";
import { discardBody, errorResponse, HttpError, json, pathOf } from "./http.ts";
import type { Env } from "./log_object.ts";
import { LOGS_PREFIX, splitLogPath } from "./log_name.ts";

export { LogObject } from "./log_object.ts";
export type { Env } from "./log_object.ts";

/** Every route outside `/logs/`: the health check and the JSON 404. */
const app = new Hono<{ Bindings: Env }>();

// Unread request bodies are cancelled: workerd drops the connection otherwise.
app.use(async (c, next) => {
  await next();
  await discardBody(c.req.raw);
});

app.get("/healthz", () => json({ ok: true }));
app.all("/healthz", () => {
  throw new HttpError("METHOD_NOT_ALLOWED", "Use GET on this route", { allow: "GET" });
});

app.notFound((c) =>
  errorResponse(new HttpError("ROUTE_NOT_FOUND", `No route ${c.req.method} ${pathOf(c.req.url)}`))
);
app.onError((error) => errorResponse(error));

/**
 * Forwards a request under `/logs/` to its log's object, unchanged: the object finds the
 * route in the path itself. Not a Hono route, and no copy of the request: every append
 * passes here, and this hand-off costs what a bare `stub.fetch(request)` costs.
 */
async function forward(request: Request, env: Env, path: string): Promise<Response> {
  try {
    const { name } = splitLogPath(path.slice(LOGS_PREFIX.length));
    // AUTH (issue 4): authentication and the check that the caller may use this log and
    // route go here, before the request reaches the LogObject; `name`, the route
    // (`splitLogPath(...).route`) and `request.method` say what is asked. A refusal is
    // thrown as an error and answered below like every other error.
    return await env.LOGS.get(env.LOGS.idFromName(name)).fetch(request);
  } catch (error) {
    await discardBody(request);
    return errorResponse(error);
  }
}

/** The Worker's handlers. */
const worker: ExportedHandler<Env> = {
  fetch(request, env, ctx) {
    const path = pathOf(request.url);
    if (path.startsWith(LOGS_PREFIX)) return forward(request, env, path);
    return app.fetch(request, env, ctx);
  },
};

export default worker;
