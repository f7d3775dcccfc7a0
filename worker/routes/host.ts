/**
 * What the route handlers need from the LogObject that serves them: the open Log and the
 * parts of the object around it. The object passes it as the Hono app's bindings, so each
 * handler is a plain function of its request's context.
 *
 * @module
 */
import type { Context } from "hono";
import type { Log } from "../../mod.ts";
import type { LogConfig } from "../../src/protocol/config.ts";
import type { MetricsSnapshot } from "../../src/protocol/metrics.ts";
import type { Sessions } from "../object/session_socket.ts";
import type { Tails } from "../tails/tails.ts";
import type { StreamHost } from "../streams/stream_routes.ts";

/** One log, as its routes see it. */
export interface LogHost {
  /** The open Log. Throws the start-up error when the log could not start. */
  log(): Log;
  /** Counts an append handed to the Log, so that the group commit waits for it to join. */
  appending(): void;
  /** The log's configuration. */
  config(): LogConfig;
  /** Stores a new configuration; it applies from the next append. */
  configure(next: LogConfig): void;
  /** The live tails. */
  readonly tails: Tails;
  /** The append sessions. */
  readonly sessions: Sessions;
  /** The most tails connected at once (the `MAX_TAILS_PER_LOG` var). */
  maxTails(): number;
  /** The log's Durable Streams state (`/v1/stream/`). */
  readonly stream: StreamHost;
  /** Deletes the log and all its storage; the object goes on with a fresh, empty log. */
  delete(): Promise<void>;
  /** The object's metrics: rows, requests, pending timers, the alarm (PROTOCOL.md, Metrics). */
  metrics(): Promise<MetricsSnapshot>;
}

/** The Hono environment of the LogObject's app: its bindings are the {@linkcode LogHost}. */
export type HostEnv = { Bindings: LogHost };

/** The context a route handler gets. */
export type RouteContext = Context<HostEnv>;

/** A route handler: one method of one route of PROTOCOL.md. */
export type RouteHandler = (c: RouteContext) => Response | Promise<Response>;
