// The three ways into a log, behind one interface, so that one suite runs over each: HTTP
// through the repository's Worker (SELF), the edgelog handler mounted in another Worker
// (its plain fetch under a base path, and its Hono sub-app under app.route), and Durable
// Object RPC (logRpc).
import { env, SELF } from "cloudflare:test";
import { Hono } from "hono";
import type { Bounds, LogRecord, Producer } from "../../../mod.ts";
import { LogClient } from "../../../src/client/mod.ts";
import type { LogConfig } from "../../../src/protocol/config.ts";
import type { Right } from "../../../src/protocol/token.ts";
import type { Env } from "../../../worker/env.ts";
import { edgelog, logRpc } from "../../../worker/mod.ts";
import { BASE } from "../helpers.ts";

/** An append's answer, the same over every way. */
export interface Appended {
  offset: number;
  count: number;
  duplicate: boolean;
}

/** Options of an append. */
export interface AppendOptions {
  expectedOffset?: number;
  producer?: Producer;
}

/** One log, reached one way. */
export interface WayLog {
  append(data: Uint8Array, options?: AppendOptions): Promise<Appended>;
  appendBatch(records: Uint8Array[], options?: AppendOptions): Promise<Appended>;
  read(offset: number): Promise<LogRecord>;
  readBatch(offset: number, limit: number): Promise<LogRecord[]>;
  bounds(): Promise<Bounds>;
  truncate(before: number): Promise<Bounds>;
  config(): Promise<LogConfig>;
  configure(changes: Partial<LogConfig>): Promise<LogConfig>;
}

/** A way in: opens a log by name. */
export interface Way {
  name: string;
  open(name: string): WayLog;
}

/** The header the mounted handlers' hook reads the caller's grant from: "tenant:right,right". */
export const GRANT_HEADER = "x-test-grant";

/**
 * The Worker's own authorization of the mounted handlers: the grant named by
 * {@linkcode GRANT_HEADER}; "respond" answers 418 itself; none refuses the request.
 */
export function grantHook(request: Request) {
  const header = request.headers.get(GRANT_HEADER);
  if (header === null) return null;
  if (header === "respond") return new Response("the hook's own answer", { status: 418 });
  const [tenant, rights] = header.split(":");
  return { tenant: tenant!, rights: rights!.split(",") as Right[] };
}

/** The edgelog handler mounted at /api/edgelog of another Worker, with the hook above. */
export const mounted = edgelog<Env>({ basePath: "/api/edgelog", authorize: grantHook });

/** A Hono app of another Worker with the edgelog sub-app at /hono/edgelog. */
export const honoApp = new Hono<{ Bindings: Env }>();
honoApp.get("/hono/own", (c) => c.text("the Worker's own route"));
honoApp.route("/hono/edgelog", edgelog<Env>({ authorize: grantHook }).app);
// Mounted under a path with a parameter: the mount path is read segment by segment.
honoApp.route("/org/:org/edgelog", edgelog<Env>({ authorize: grantHook }).app);

/** A fetch that sends `grant` in the hook's header, through `serve`. */
export function fetchWith(
  serve: (request: Request) => Promise<Response> | Response,
  grant = "acme:read,append,admin",
): (request: Request) => Promise<Response> {
  return async (request) => {
    const headers = new Headers(request.headers);
    headers.set(GRANT_HEADER, grant);
    return await serve(new Request(request, { headers }));
  };
}

/** A way over `LogClient` (plain appends: no producer of the client's, no retries). */
function clientWay(name: string, base: string, fetch: (r: Request) => Promise<Response>): Way {
  return {
    name,
    open(log) {
      const client = new LogClient(base, log, { fetch, producer: false, retry: false });
      return {
        async append(data, options = {}) {
          if (options.producer !== undefined) {
            return await client.append(data, { ...options, producer: options.producer });
          }
          return { offset: await client.append(data, options), count: 1, duplicate: false };
        },
        async appendBatch(records, options = {}) {
          if (options.producer !== undefined) {
            return await client.appendBatch(records, { ...options, producer: options.producer });
          }
          const offset = await client.appendBatch(records, options);
          return { offset, count: records.length, duplicate: false };
        },
        read: (offset) => client.read(offset),
        async readBatch(offset, limit) {
          const batch = new Array<LogRecord>(limit);
          const count = await client.readBatch(offset, batch);
          return batch.slice(0, count);
        },
        bounds: () => client.bounds(),
        truncate: (before) => client.truncate(before),
        config: () => client.config(),
        configure: (changes) => client.configure(changes),
      };
    },
  };
}

/** Every way in. */
export const WAYS: Way[] = [
  clientWay("HTTP (the Worker)", BASE, (request) => SELF.fetch(request)),
  clientWay(
    "the mounted fetch handler",
    `${BASE}/api/edgelog`,
    fetchWith((request) => mounted.fetch(request, env)),
  ),
  clientWay(
    "the mounted Hono sub-app",
    `${BASE}/hono/edgelog`,
    fetchWith((request) => honoApp.fetch(request, env)),
  ),
  {
    name: "RPC",
    open(log) {
      const rpc = logRpc(env.LOGS, log);
      return {
        append: (data, options) => rpc.append(data, options),
        appendBatch: (records, options) => rpc.appendBatch(records, options),
        read: (offset) => rpc.read(offset),
        readBatch: (offset, limit) => rpc.readBatch(offset, { limit }),
        bounds: () => rpc.bounds(),
        truncate: (before) => rpc.truncate(before),
        config: () => rpc.config(),
        configure: (changes) => rpc.configure(changes),
      };
    },
  },
];
