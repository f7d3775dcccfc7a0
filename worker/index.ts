/**
 * The Worker entry: authenticates each request and routes `/logs/{name}/...` to the
 * LogObject of that name. See PROTOCOL.md for the API.
 *
 * @module
 */
import { Hono } from "hono";
import { auth, authorize, hasCredentials, withoutCredentials } from "./auth.ts";
import { cors, nosniff } from "./cors.ts";
import { discardBody, errorResponse, HttpError, json, pathOf } from "./http.ts";
import type { Env } from "./log_object.ts";
import { LOGS_PREFIX } from "./log_name.ts";

export { LogObject } from "./log_object.ts";
export type { Env } from "./log_object.ts";

/**
 * Forwards a request under `/logs/` to its log's object once {@linkcode authorize} lets it
 * through. The object finds the route in the path itself, so the request goes on as it
 * came, copied only to take the caller's credentials out: every append passes here, and
 * without credentials this hand-off costs what a bare `stub.fetch(request)` costs.
 */
async function forward(request: Request, env: Env, path: string): Promise<Response> {
  try {
    // AUTH (issue 4): the token must cover this log and the right of this route.
    const logPath = await authorize(request, env, path);
    if (logPath === undefined) throw new HttpError("ROUTE_NOT_FOUND", `No route ${path}`);
    let forwarded = request;
    if (hasCredentials(request.headers)) {
      forwarded = new Request(request);
      withoutCredentials(forwarded.headers);
    }
    return await env.LOGS.get(env.LOGS.idFromName(logPath.name)).fetch(forwarded);
  } catch (error) {
    await discardBody(request);
    const response = errorResponse(error);
    // Hono strips the body of a HEAD answer; this path is not Hono's.
    return request.method === "HEAD" ? new Response(null, response) : response;
  }
}

/** Browser requests (with an `Origin`), every path outside `/logs/`, and the JSON 404. */
const app = new Hono<{ Bindings: Env }>();

// Unread request bodies are cancelled: workerd drops the connection otherwise. A forwarded
// body is the object's (used), and forward() discards a refused one itself.
app.use(async (c, next) => {
  await next();
  await discardBody(c.req.raw);
});
app.use(nosniff);
app.use(cors);

app.get("/healthz", () => json({ ok: true }));
app.all("/healthz", () => {
  throw new HttpError("METHOD_NOT_ALLOWED", "Use GET on this route", { allow: "GET" });
});

app.all("/logs/*", (c, next) => {
  const path = pathOf(c.req.url);
  return path.startsWith(LOGS_PREFIX) ? forward(c.req.raw, c.env, path) : next();
});

// AUTH (issue 4): every other path needs a token too, so callers without one learn nothing.
app.use(auth);

app.notFound((c) =>
  errorResponse(new HttpError("ROUTE_NOT_FOUND", `No route ${c.req.method} ${pathOf(c.req.url)}`))
);
app.onError((error) => errorResponse(error));

/** The Worker's handlers. */
const worker = {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> | Response {
    const path = pathOf(request.url);
    // Requests without an Origin (SDKs, curl, servers: the hot path) need no CORS
    // middleware and go straight to their object; browsers' go through the app.
    if (path.startsWith(LOGS_PREFIX) && !request.headers.has("origin")) {
      return forward(request, env, path);
    }
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;

export default worker;
