/**
 * The Worker entry: routes `/logs/{name}/...` to the LogObject of that name.
 * See PROTOCOL.md for the API.
 *
 * @module
 */
import { Hono } from "hono";
import { auth, withoutCredentials } from "./auth.ts";
import { cors, nosniff } from "./cors.ts";
import { discardBody, errorResponse, HttpError, json } from "./http.ts";
import type { Env } from "./log_object.ts";
import { splitLogPath } from "./log_name.ts";

export { LogObject } from "./log_object.ts";
export type { Env } from "./log_object.ts";

/** The host of the URLs the Worker forwards to a LogObject (never resolved). */
const OBJECT_ORIGIN = "https://log.internal";

const app = new Hono<{ Bindings: Env }>();
/** Requests whose bodies went on to a LogObject: they are that object's to consume. */
const forwarded = new WeakSet<Request>();

// Unread request bodies are cancelled: workerd drops the connection otherwise.
app.use(async (c, next) => {
  await next();
  if (!forwarded.has(c.req.raw)) await discardBody(c.req.raw);
});
app.use(nosniff);
app.use(cors);

app.get("/healthz", () => json({ ok: true }));
app.all("/healthz", () => {
  throw new HttpError("METHOD_NOT_ALLOWED", "Use GET on this route", { allow: "GET" });
});

// AUTH (issue 4): every request below needs a token that covers its log and route.
app.use(auth);

app.all("/logs/*", (c) => {
  const url = new URL(c.req.url);
  if (!url.pathname.startsWith("/logs/")) {
    throw new HttpError("ROUTE_NOT_FOUND", `No route ${c.req.method} ${url.pathname}`);
  }
  const { name, route } = splitLogPath(url.pathname.slice("/logs/".length));
  const stub = c.env.LOGS.get(c.env.LOGS.idFromName(name));
  const request = new Request(new URL(route + url.search, OBJECT_ORIGIN), c.req.raw);
  request.headers.set("edgelog-log-name", name);
  withoutCredentials(request.headers);
  forwarded.add(c.req.raw);
  return stub.fetch(request);
});

app.notFound((c) =>
  errorResponse(
    new HttpError("ROUTE_NOT_FOUND", `No route ${c.req.method} ${new URL(c.req.url).pathname}`),
  )
);
app.onError((error) => errorResponse(error));

export default app;
