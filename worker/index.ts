/**
 * The Worker entry: authenticates each request (`middleware/`) and forwards
 * `/logs/{name}/...` to the LogObject of that name (`object/`), which serves it with its
 * routes (`routes/`) and tails (`tails/`). See PROTOCOL.md for the API.
 *
 * @module
 */
import { Hono } from "hono";
import { HEALTH_PATH, LOGS_PREFIX } from "../src/protocol/routes.ts";
import type { Env } from "./env.ts";
import {
  ApiError,
  declaresOversizedBody,
  discardBody,
  errorResponse,
  json,
  pathOf,
} from "./http.ts";
import { auth, authorize, hasCredentials, withoutCredentials } from "./middleware/auth.ts";
import { cors, nosniff } from "./middleware/cors.ts";

export { LogObject } from "./object/log_object.ts";
export type { Env } from "./env.ts";

/**
 * Forwards a request under `/logs/` to its log's object once {@linkcode authorize} lets it
 * through. The object finds the route in the path itself, so the request goes on as it
 * came, copied only to take the caller's credentials out, or an oversized body: every append
 * passes here, and without credentials this hand-off costs what a bare `stub.fetch(request)`
 * costs, and one header read.
 */
async function forward(request: Request, env: Env, path: string): Promise<Response> {
  try {
    // The token must cover this log and carry the right of this route.
    const logPath = await authorize(request, env, path);
    if (logPath === undefined) throw new ApiError("ROUTE_NOT_FOUND", `No route ${path}`);
    let forwarded = request;
    if (hasCredentials(request.headers)) {
      forwarded = new Request(request);
      withoutCredentials(forwarded.headers);
    }
    // No route takes such a body (a route that reads one refuses it from its Content-Length,
    // which stays), so the object gets the head alone: a body handed on would still be
    // flowing into the object after its answer, and the runtime would then reset the
    // client's connection (see discardBody). Left alone here, workerd reads and drops it
    // after the answer.
    if (declaresOversizedBody(request.headers)) forwarded = new Request(forwarded, { body: null });
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

// Unread request bodies are read and dropped before the answer (discardBody). A forwarded
// body is the object's (used), and forward() discards a refused one itself.
app.use(async (c, next) => {
  await next();
  await discardBody(c.req.raw);
});
app.use(nosniff);
app.use(cors);

app.get(HEALTH_PATH, () => json({ ok: true }));
app.all(HEALTH_PATH, () => {
  throw new ApiError("METHOD_NOT_ALLOWED", "Use GET on this route", { allow: "GET" });
});

app.all(`${LOGS_PREFIX}*`, (c, next) => {
  const path = pathOf(c.req.url);
  return path.startsWith(LOGS_PREFIX) ? forward(c.req.raw, c.env, path) : next();
});

// Every other path needs a token too, so that callers without one learn nothing.
app.use(auth);

app.notFound((c) =>
  errorResponse(new ApiError("ROUTE_NOT_FOUND", `No route ${c.req.method} ${pathOf(c.req.url)}`))
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
