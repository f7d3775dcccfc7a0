/**
 * The edgelog API as a handler of any Worker: {@linkcode edgelog} builds a `fetch` handler
 * and a Hono sub-app that authenticate each request (edgelog's tokens, or the Worker's own
 * `authorize` hook) and forward `/logs/{name}/...` to the LogObject of that name, under a
 * path of the Worker's choosing. The repository's own Worker (`index.ts`) is one user of it.
 *
 * @module
 */
import { Hono } from "hono";
import { deploymentVarsOf } from "../src/protocol/deployment_vars.ts";
import { HEALTH_PATH, LOGS_PREFIX } from "../src/protocol/routes.ts";
import type { TokenGrant } from "../src/protocol/token.ts";
import type { Env } from "./env.ts";
import {
  ApiError,
  declaresOversizedBody,
  discardBody,
  errorResponse,
  json,
  pathOf,
} from "./http.ts";
import {
  auth,
  authMode,
  authorize,
  type AuthSettings,
  hasCredentials,
  HookResponse,
  withoutCredentials,
} from "./middleware/auth.ts";
import { cors, nosniff } from "./middleware/cors.ts";
import type { LogObject } from "./object/log_object.ts";
import { STREAMS_PREFIX } from "../src/protocol/streams/headers.ts";
import { serveStream } from "./streams/serve.ts";

/** Options of {@linkcode edgelog}; each var given here wins over the binding of that name. */
export interface EdgelogOptions<E extends object = Env> {
  /**
   * The path the API is served under in {@linkcode EdgelogHandler.fetch}: `""` (the
   * default) serves `/logs/{name}/...` and `/healthz` at the root, `"/edgelog"` serves
   * `/edgelog/logs/{name}/...`. It starts with `/` and does not end with one. Requests
   * outside it get 404. (The Hono sub-app takes the path it is mounted at instead.)
   */
  basePath?: string;
  /**
   * The LogObject namespace: the name of its binding (default `"LOGS"`), or a function of
   * the bindings that returns it.
   */
  logs?: string | ((env: E) => DurableObjectNamespace<LogObject>);
  /**
   * The Worker's own authorization, in place of edgelog's tokens: what the request's
   * caller may do (a tenant, rights and optionally a log-name prefix: the grant of a token,
   * checked by the same rules, so a grant never reaches outside its tenant), `null` to refuse
   * it (401 `UNAUTHORIZED`), or a `Response` to answer with instead. `authSecret` and
   * `openDev` are then unused.
   */
  authorize?: (
    request: Request,
    env: E,
  ) => TokenGrant | Response | null | undefined | Promise<TokenGrant | Response | null | undefined>;
  /** The HS256 secret of edgelog's tokens (the `AUTH_SECRET` var): at least 32 bytes. */
  authSecret?: string;
  /**
   * `true` accepts every request without a token when there is no secret (the
   * `EDGELOG_OPEN_DEV` var): local development only.
   */
  openDev?: boolean;
  /** Origins allowed to call the API from a browser, or `"*"` (the `CORS_ORIGINS` var). */
  corsOrigins?: string | readonly string[];
}

/** The edgelog API, ready to mount: see {@linkcode edgelog}. */
export interface EdgelogHandler<E extends object = Env> {
  /** Serves a request under the handler's `basePath`, as a Worker's `fetch` does. */
  fetch(request: Request, env: E, ctx?: ExecutionContext): Promise<Response>;
  /**
   * The same API as a Hono sub-app, served at the path it is mounted at:
   * `app.route("/edgelog", handler.app)`.
   */
  readonly app: Hono<{ Bindings: E }>;
}

/**
 * Builds the edgelog API for a Worker of your own. Export `LogObject` from your Worker and
 * bind it (wrangler.toml: a `[[durable_objects.bindings]]` `LOGS` of class `LogObject`, and
 * a migration with `new_sqlite_classes = ["LogObject"]`), then serve the handler: as the
 * Worker's `fetch`, or mounted in your Hono app.
 *
 * @param options The mount path, the namespace, the authorization and the vars.
 * @returns The `fetch` handler and the Hono sub-app.
 * @throws {RangeError} When `basePath` is not a path of the form `/a/b`.
 *
 * @example Mounted in a Hono app, behind the Worker's own sessions
 * ```ts ignore
 * import { Hono } from "hono";
 * import { edgelog, LogObject } from "@edgelog/edgelog/worker";
 *
 * export { LogObject };
 * const logs = edgelog({
 *   authorize: async (request, env) => {
 *     const user = await sessionOf(request, env); // the Worker's own check
 *     return user === undefined ? null : { tenant: user.org, rights: ["read", "append"] };
 *   },
 * });
 * const app = new Hono<{ Bindings: Env }>();
 * app.route("/edgelog", logs.app); // POST /edgelog/logs/{org}/events/records
 * export default app;
 * ```
 */
export function edgelog<E extends object = Env>(
  options: EdgelogOptions<E> = {},
): EdgelogHandler<E> {
  const base = checkedBasePath(options.basePath);
  const namespaceOf = namespaceGetter(options.logs);
  const settingsOf = settingsGetter(options);
  const corsOrigins = deploymentVarsOf(options).CORS_ORIGINS;
  const originsOf = corsOrigins === undefined
    ? (env: E) => (env as Env).CORS_ORIGINS
    : () => corsOrigins;

  /**
   * Forwards a request under `/logs/` to its log's object once `authorize` lets it through.
   * The object finds the route in the path itself, so the request goes on as it came, copied
   * only to take the caller's credentials out, or an oversized body: every append passes
   * here, and without credentials this hand-off costs what a bare `stub.fetch(request)`
   * costs, and one header read.
   */
  async function forward(request: Request, env: E, path: string): Promise<Response> {
    try {
      // The grant must cover this log and carry the right of this route.
      const checked = authorize(request, settingsOf(env), path);
      const logPath = checked instanceof Promise ? await checked : checked;
      if (logPath === undefined) throw new ApiError("ROUTE_NOT_FOUND", `No route ${path}`);
      let forwarded = request;
      if (hasCredentials(request.headers)) {
        forwarded = new Request(request);
        withoutCredentials(forwarded.headers);
      }
      // No route takes such a body (a route that reads one refuses it from its
      // Content-Length, which stays), so the object gets the head alone: a body handed on
      // would still be flowing into the object after its answer, and the runtime would then
      // reset the client's connection (see discardBody). Left alone here, workerd reads and
      // drops it after the answer.
      if (declaresOversizedBody(request.headers)) {
        forwarded = new Request(forwarded, { body: null });
      }
      const logs = namespaceOf(env);
      return await logs.get(objectId(logs, logPath.name)).fetch(forwarded);
    } catch (error) {
      await discardBody(request);
      if (error instanceof HookResponse) return error.response;
      const response = errorResponse(error);
      // Hono strips the body of a HEAD answer; this path is not Hono's.
      return request.method === "HEAD" ? new Response(null, response) : response;
    }
  }

  /** Browser requests (with an `Origin`), every path outside `/logs/`, and the JSON 404. */
  const inner = new Hono<{ Bindings: E }>();
  // Unread request bodies are read and dropped before the answer (discardBody). A forwarded
  // body is the object's (used), and forward() discards a refused one itself.
  inner.use(async (c, next) => {
    await next();
    await discardBody(c.req.raw);
  });
  inner.use(nosniff);
  const openOf = (env: E) => authMode(settingsOf(env)) === "open";
  inner.use(cors(originsOf, openOf));
  inner.get(HEALTH_PATH, () => json({ ok: true }));
  inner.all(HEALTH_PATH, () => {
    throw new ApiError("METHOD_NOT_ALLOWED", `Use GET on ${HEALTH_PATH}`, { allow: "GET" });
  });
  inner.all(`${LOGS_PREFIX}*`, (c, next) => {
    const path = pathOf(c.req.url);
    return path.startsWith(LOGS_PREFIX) ? forward(c.req.raw, c.env, path) : next();
  });
  // Every other path needs a grant too, so that callers without one learn nothing.
  inner.use(auth(settingsOf));
  inner.notFound((c) =>
    errorResponse(new ApiError("ROUTE_NOT_FOUND", `No route ${c.req.method} ${pathOf(c.req.url)}`))
  );
  inner.onError((error) => error instanceof HookResponse ? error.response : errorResponse(error));

  /** Serves a request whose path starts with `at` (`""`: any path). */
  function serve(request: Request, env: E, at: string): Promise<Response> | Response {
    let path = pathOf(request.url);
    if (at !== "") {
      if (path !== at && !path.startsWith(`${at}/`)) {
        return errorResponse(
          new ApiError(
            "ROUTE_NOT_FOUND",
            `No route ${request.method} ${path} (edgelog is at ${at})`,
          ),
        );
      }
      path = path.slice(at.length) || "/";
      request = new Request(withPath(request.url, path), request);
    }
    // Durable Streams (`/v1/stream/{name}`): the same grants, the same objects.
    if (path.startsWith(STREAMS_PREFIX)) {
      return serveStream(request, path, {
        authorize: (r, logsPath) => authorize(r, settingsOf(env), logsPath),
        send: (name, r) => {
          const logs = namespaceOf(env);
          return logs.get(objectId(logs, name)).fetch(r);
        },
        corsOrigins: originsOf(env),
        openDev: openOf(env),
      });
    }
    // Requests without an Origin (SDKs, curl, servers: the hot path) need no CORS
    // middleware and go straight to their object; browsers' go through the app.
    if (path.startsWith(LOGS_PREFIX) && !request.headers.has("origin")) {
      return forward(request, env, path);
    }
    return inner.fetch(request, env);
  }

  const app = new Hono<{ Bindings: E }>();
  app.all("/*", (c) => serve(c.req.raw, c.env, mountPath(c.req.routePath, pathOf(c.req.url))));
  return {
    fetch: (request, env, _ctx) => Promise.resolve(serve(request, env, base)),
    app,
  };
}

/** The most object ids remembered per namespace; the memory is dropped whole when full. */
const MAX_OBJECT_IDS = 1024;

/** The ids of logs' objects by name, per namespace: see {@linkcode objectId}. */
const objectIds = new WeakMap<DurableObjectNamespace<LogObject>, Map<string, DurableObjectId>>();

/**
 * `logs.idFromName(name)`, remembered: the id is a pure function of the namespace and the
 * name (a hash the runtime computes on each call), and unlike a stub it holds no I/O, so it
 * may serve every later request of the isolate. Every append to a log asks for it again.
 */
function objectId(logs: DurableObjectNamespace<LogObject>, name: string): DurableObjectId {
  let ids = objectIds.get(logs);
  if (ids === undefined) objectIds.set(logs, ids = new Map());
  let id = ids.get(name);
  if (id === undefined) {
    id = logs.idFromName(name);
    if (ids.size >= MAX_OBJECT_IDS) ids.clear();
    ids.set(name, id);
  }
  return id;
}

/** The checked `basePath` option, without a trailing `/` (`""` for the root). */
function checkedBasePath(basePath: string | undefined): string {
  if (basePath === undefined || basePath === "" || basePath === "/") return "";
  if (
    typeof basePath !== "string" || !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/.test(basePath)
  ) {
    throw new RangeError(
      `basePath must be a path such as "/edgelog" (no trailing "/", no query), got "${
        String(basePath)
      }"`,
    );
  }
  return basePath;
}

/** The namespace of a request's bindings, from the `logs` option. */
function namespaceGetter<E extends object>(
  logs: EdgelogOptions<E>["logs"],
): (env: E) => DurableObjectNamespace<LogObject> {
  if (typeof logs === "function") return logs;
  const binding = logs ?? "LOGS";
  return (env) => {
    const namespace = (env as Record<string, unknown>)[binding];
    if (typeof namespace !== "object" || namespace === null || !("idFromName" in namespace)) {
      throw new Error(
        `The binding "${binding}" is not a Durable Object namespace: bind the LogObject class ` +
          `under that name in wrangler.toml`,
      );
    }
    return namespace as DurableObjectNamespace<LogObject>;
  };
}

/**
 * The auth settings of a request's bindings: the bindings themselves when no option
 * overrides them (nothing is allocated per request), else the options over them.
 */
function settingsGetter<E extends object>(options: EdgelogOptions<E>): (env: E) => AuthSettings {
  const { authorize: hook, authSecret, openDev } = options;
  if (hook === undefined && authSecret === undefined && openDev === undefined) {
    return (env) => env as AuthSettings;
  }
  return (env) => {
    const vars = env as AuthSettings;
    const settings: AuthSettings = {};
    const secret = authSecret ?? vars.AUTH_SECRET;
    if (secret !== undefined) settings.AUTH_SECRET = secret;
    const open = openDev === undefined ? vars.EDGELOG_OPEN_DEV : String(openDev);
    if (open !== undefined) settings.EDGELOG_OPEN_DEV = open;
    if (hook !== undefined) settings.authorize = (request) => hook(request, env);
    return settings;
  };
}

/**
 * The path the sub-app is mounted at, for a request to `path`: as many segments of it as the
 * pattern its handler matched (`/edgelog/*`, `/:tenant/logs-api/*`) has before its `/*`. Read
 * from `routePath`, which the user's own Hono sets: the `hono/route` helpers read private
 * state of the copy of Hono that edgelog imports, which may not be the user's.
 */
function mountPath(routePath: string, path: string): string {
  const depth = routePath.replace(/\/\*$/, "").split("/").length - 1;
  return path.split("/").slice(0, depth + 1).join("/");
}

/** `url` with its path replaced by `path`; the query stays. */
function withPath(url: string, path: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.search(/[?#]/);
  return url.slice(0, start) + path + (query === -1 ? "" : url.slice(query));
}
