/**
 * The LogObject: one SQLite-backed Durable Object per named log. It composes the core (a
 * `Log` over the SQLite driver on `ctx.storage.sql`), serves the HTTP API of PROTOCOL.md
 * with one Hono app, and live tails over hibernating WebSockets.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { getPath } from "hono/utils/url";
import { Log, type LogRecord, RecordTooLargeError, SqliteStore } from "../mod.ts";
import type { StorageJournal } from "../src/core/storage_journal.ts";
import { BATCH_CONTENT_TYPE, decodeBatch, toBase64 } from "./frames.ts";
import {
  discardBody,
  errorResponse,
  HttpError,
  json,
  onlyQuery,
  parseInteger,
  pathOf,
  queryInteger,
  queryOf,
  readBody,
} from "./http.ts";
import {
  type DeploymentVars,
  type DeploymentVarsInput,
  type LogConfig,
  parseConfig,
  parseDeploymentVars,
} from "./log_config.ts";
import { logRoute } from "./log_name.ts";
import { ObjectJournal } from "./object_journal.ts";
import { durableObjectSql } from "./sql_adapter.ts";
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_READ_LIMIT } from "../src/protocol/limits.ts";
import { offeredSubprotocols, TAIL_SUBPROTOCOL } from "./subprotocol.ts";
import { CLOSE_LOG_DELETED, Tails } from "./tails.ts";

export { MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_READ_LIMIT } from "../src/protocol/limits.ts";
export { DEFAULT_MAX_TAILS, type LogConfig, MAX_RECORD_SIZE_LIMIT } from "./log_config.ts";
export {
  CLOSE_LOG_DELETED,
  CLOSE_OUT_OF_RANGE,
  MAX_FRAME_BYTES,
  MAX_FRAME_RECORDS,
  type TailAttachment,
} from "./tails.ts";

/** The bindings and vars of the deployment (wrangler.toml). */
export interface Env extends DeploymentVarsInput {
  /** The LogObject namespace. */
  LOGS: DurableObjectNamespace<LogObject>;
  /** The HS256 secret of the tokens (a Worker secret); none or empty: no tokens. */
  AUTH_SECRET?: string;
  /** "true" opens a deployment without AUTH_SECRET to every request: local development only. */
  EDGELOG_OPEN_DEV?: string;
  /** Origins allowed to call the API from a browser: comma-separated, or "*". */
  CORS_ORIGINS?: string;
}

/** The most bytes in a configuration body. */
export const MAX_CONFIG_BYTES = 4096;
/** The default and the most records of one batch read. */
export const DEFAULT_READ_LIMIT = 100;
/** A batch read stops once it holds this many record bytes (it always holds one record). */
export const MAX_READ_BYTES = 4 * 1024 * 1024;

/** Records read from SQLite at a time: bounds memory when records are large. */
const READ_PAGE = 16;
/** The most turns of the event loop a commit waits for more appends to join it. */
const MAX_GATHER_TURNS = 4;
const CONFIG_TABLE = `CREATE TABLE IF NOT EXISTS edgelog_config (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  max_segment_size INTEGER,
  max_record_size INTEGER NOT NULL
)`;

/**
 * A Durable Object holding one append-only log. Every request of PROTOCOL.md below
 * `/logs/{name}` arrives here unchanged; the route is the path after the name.
 */
export class LogObject extends DurableObject<Env> {
  readonly #app: Hono;
  #log: Log | undefined;
  #startupError: unknown;
  /** The live tails; each commit is sent to them from `#afterCommit`. */
  readonly #tails = new Tails(this.ctx, () => this.#current.journal);
  /** Appends handed to the Log so far: a commit waits while this grows (`#scheduleCommit`). */
  #appends = 0;
  /** A random id of this instance: a new one after eviction (the `Edgelog-Instance` header). */
  readonly #instance = crypto.randomUUID();
  /** The checked vars; undefined only when they failed to parse (`#startupError`). */
  #vars: DeploymentVars | undefined;

  /**
   * Sets up the log under `blockConcurrencyWhile` and builds the Hono app once.
   *
   * @param ctx The object's state.
   * @param env The bindings and vars.
   */
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    // A throw inside blockConcurrencyWhile resets the object; keep the error and report
    // it on each request instead (as partyserver does).
    void ctx.blockConcurrencyWhile(async () => {
      try {
        this.#vars = parseDeploymentVars(env);
        this.#open();
        // After an eviction, the hibernated tails are still connected: pick them up.
        this.#tails.restore(this.#current.journal.readBounds().end);
      } catch (error) {
        // Not the caller's fault (a RangeError here would be answered 400): every request
        // gets a 500, and the log says why.
        this.#startupError = new Error(
          `The log could not start: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    });
    this.#app = this.#buildApp();
  }

  /** Serves one HTTP request of the API. */
  override async fetch(request: Request): Promise<Response> {
    // Done here rather than in a Hono middleware: with one handler per route, Hono calls
    // it directly, without composing a middleware chain for every append.
    const response = await this.#app.fetch(request);
    // Unread request bodies are cancelled: workerd drops the connection otherwise.
    if (!request.bodyUsed) await discardBody(request);
    // A 101 response's headers are immutable.
    if (response.status !== 101) {
      response.headers.set("edgelog-instance", this.#instance);
      // Set here, not at the Worker: the Worker hands the object's response on unchanged.
      response.headers.set("x-content-type-options", "nosniff");
    }
    return response;
  }

  /** Tails send nothing the object needs; "ping" is answered by the auto-response. */
  override webSocketMessage(_ws: WebSocket, _message: string | ArrayBuffer): void {}

  /** Answers the close handshake. */
  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.#tails.forget(ws);
    // 1005/1006 (no code, abnormal) cannot be sent back: answer them with 1000.
    const reply = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
    try {
      ws.close(reply, reason);
    } catch {
      // Already closed: the handshake is complete.
    }
  }

  /** Drops a failed socket. */
  override webSocketError(ws: WebSocket, _error: unknown): void {
    this.#tails.forget(ws);
    try {
      ws.close(1011, "WebSocket error");
    } catch {
      // Already closed.
    }
  }

  /** Opens the store, the journal, the configuration and the Log: all synchronous. */
  #open(): void {
    const db = durableObjectSql(this.ctx.storage);
    // The store creates the catalog; the journal is opened over it directly, as the
    // variant that keeps its bounds in memory.
    new SqliteStore(db);
    const journal = new ObjectJournal(db, "log");
    db.exec(CONFIG_TABLE);
    const config = this.#readConfig(db.exec("SELECT * FROM edgelog_config WHERE id = 1")[0]);
    this.#log = newLog(journal, config, this.#scheduleCommit);
  }

  get #current(): Log {
    if (this.#log === undefined) throw this.#startupError ?? new Error("Log not open");
    return this.#log;
  }

  #readConfig(row: Record<string, unknown> | undefined): LogConfig {
    if (row !== undefined) {
      const segment = row.max_segment_size;
      return {
        maxSegmentSize: segment === null ? null : Number(segment),
        maxRecordSize: Number(row.max_record_size),
      };
    }
    return this.#checkedVars.defaults;
  }

  get #checkedVars(): DeploymentVars {
    if (this.#vars === undefined) throw this.#startupError ?? new Error("Vars not read");
    return this.#vars;
  }

  #config(): LogConfig {
    const log = this.#current;
    return {
      maxSegmentSize: log.maxSegmentSize === Infinity ? null : log.maxSegmentSize,
      maxRecordSize: log.maxRecordSize,
    };
  }

  #end(): number {
    return this.#current.journal.readBounds().end;
  }

  #buildApp(): Hono {
    // The route is the path after `/logs/{name}`, decoded as Hono decodes paths.
    const options = { getPath: (request: Request) => logRoute(getPath(request)) };
    const app = new Hono(options);
    // Routes that exist with other methods answer 405 from a second router, consulted
    // only when `app` has no match: a request then matches exactly one handler in `app`.
    const wrongMethod = new Hono(options);
    const allow = (path: string, methods: string) => {
      wrongMethod.all(path, () => {
        throw new HttpError("METHOD_NOT_ALLOWED", `Use ${methods} on this route`, {
          allow: methods,
        });
      });
    };

    app.post("/records", async (c) => {
      const request = c.req.raw;
      const query = queryOf(request.url);
      onlyQuery(query, ["expected"]);
      const expected = expectedOffset(query, request.headers);
      const limit = this.#current.maxRecordSize;
      const data = await readBody(request, limit, (size) => new RecordTooLargeError(size, limit));
      const log = this.#current;
      this.#appends++;
      const offset = expected === undefined
        ? await log.write(data)
        : await log.writeBatch([data], { expectedOffset: expected });
      return json({ offset }, 200, { "edgelog-offset": String(offset) });
    });

    app.get("/records", async (c) => {
      const query = queryOf(c.req.url);
      onlyQuery(query, ["from", "limit"]);
      const log = this.#current;
      const from = queryInteger(query, "from") ?? log.journal.readBounds().begin;
      const limit = queryInteger(query, "limit") ?? DEFAULT_READ_LIMIT;
      if (limit < 1 || limit > MAX_READ_LIMIT) {
        throw new HttpError("BAD_REQUEST", `limit must be 1 to ${MAX_READ_LIMIT}, got ${limit}`);
      }
      // The core checks `from` (FUTURE_OFFSET, OUT_OF_RANGE); later pages are read with no
      // await in between, so they see one state of the log.
      const first = new Array<LogRecord>(Math.min(limit, READ_PAGE));
      const count = await log.readBatch(from, first);
      const lines: string[] = [];
      let bytes = 0;
      let next = from;
      const add = (offset: number, created: number, data: Uint8Array) => {
        lines.push(JSON.stringify({ offset, created, data: toBase64(data) }) + "\n");
        bytes += data.byteLength;
        next = offset + 1;
      };
      for (let i = 0; i < count && bytes < MAX_READ_BYTES; i++) {
        const r = first[i]!;
        add(r.offset, r.created.getTime(), r.data);
      }
      const journal = log.journal;
      while (lines.length < limit && bytes < MAX_READ_BYTES && next === from + lines.length) {
        const page = journal.readRecords(next, Math.min(READ_PAGE, limit - lines.length));
        if (page.length === 0) break;
        for (const r of page) {
          if (bytes >= MAX_READ_BYTES) break;
          add(r.position, r.created, r.data);
        }
      }
      return new Response(lines.join(""), {
        headers: {
          "content-type": "application/x-ndjson",
          "edgelog-next-offset": String(next),
        },
      });
    });

    app.delete("/records", (c) => this.#truncate(queryOf(c.req.url)));
    allow("/records", "GET, POST, DELETE");

    app.get("/records/:offset", async (c) => {
      onlyQuery(queryOf(c.req.url), []);
      const offset = parseInteger("offset", c.req.param("offset"));
      const record = await this.#current.read(offset);
      return new Response(record.data, {
        headers: {
          "content-type": "application/octet-stream",
          "edgelog-offset": String(record.offset),
          "edgelog-created": String(record.created.getTime()),
        },
      });
    });
    allow("/records/:offset", "GET");

    app.post("/batch", async (c) => {
      const query = queryOf(c.req.url);
      onlyQuery(query, ["expected"]);
      const expected = expectedOffset(query, c.req.raw.headers);
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== BATCH_CONTENT_TYPE) {
        throw new HttpError(
          "UNSUPPORTED_MEDIA_TYPE",
          `A batch must have the content type "${BATCH_CONTENT_TYPE}"`,
        );
      }
      const body = await readBody(
        c.req.raw,
        MAX_BATCH_BYTES,
        (size) =>
          new HttpError(
            "REQUEST_TOO_LARGE",
            `A batch body holds at most ${MAX_BATCH_BYTES} bytes, got ${size} or more`,
          ),
      );
      const records = decodeBatch(body, MAX_BATCH_RECORDS);
      this.#appends++;
      const first = await this.#current.writeBatch(
        records,
        expected === undefined ? {} : { expectedOffset: expected },
      );
      const last = first + records.length - 1;
      return json({ first, last, count: records.length }, 200, {
        "edgelog-offset": String(first),
      });
    });
    allow("/batch", "POST");

    app.get("/bounds", async (c) => {
      onlyQuery(queryOf(c.req.url), []);
      return json(await this.#current.journal.bounds());
    });
    allow("/bounds", "GET");

    app.get("/range", async (c) => {
      onlyQuery(queryOf(c.req.url), []);
      return json(await this.#current.range());
    });
    allow("/range", "GET");

    app.get("/config", (c) => {
      onlyQuery(queryOf(c.req.url), []);
      return json(this.#config());
    });
    app.put("/config", async (c) => {
      onlyQuery(queryOf(c.req.url), []);
      const body = await readBody(
        c.req.raw,
        MAX_CONFIG_BYTES,
        () =>
          new HttpError(
            "REQUEST_TOO_LARGE",
            `A config body holds at most ${MAX_CONFIG_BYTES} bytes`,
          ),
      );
      const next = parseConfig(body, this.#config());
      const log = this.#current;
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO edgelog_config (id, max_segment_size, max_record_size) VALUES (1, ?, ?)",
        next.maxSegmentSize,
        next.maxRecordSize,
      );
      // Appends gathered by the old Log commit before the new one reads the end: no race.
      // Tails hear of that commit at once, as of every other (worker/tails.ts relies on it).
      log.flush();
      this.#afterCommit();
      this.#log = newLog(log.journal, next, this.#scheduleCommit);
      return json(next);
    });
    allow("/config", "GET, PUT");

    app.post("/truncate", (c) => this.#truncate(queryOf(c.req.url)));
    allow("/truncate", "POST");

    app.get("/tail", (c) => {
      if ((c.req.header("upgrade") ?? "").toLowerCase() !== "websocket") {
        throw new HttpError("UPGRADE_REQUIRED", "The tail needs a WebSocket upgrade", {
          upgrade: "websocket",
        });
      }
      const query = queryOf(c.req.url);
      onlyQuery(query, ["from"]);
      const { end } = this.#current.journal.readBounds();
      const from = queryInteger(query, "from") ?? end;
      const { maxTails } = this.#checkedVars;
      if (this.#tails.count >= maxTails) {
        throw new HttpError("TOO_MANY_TAILS", `A log has at most ${maxTails} tails`);
      }
      // Browsers fail the handshake unless one offered subprotocol is selected.
      const offered = offeredSubprotocols(c.req.header("sec-websocket-protocol"));
      return this.#tails.accept(
        from,
        end,
        offered.includes(TAIL_SUBPROTOCOL) ? TAIL_SUBPROTOCOL : undefined,
      );
    });
    allow("/tail", "GET");

    app.delete("/", async (c) => {
      onlyQuery(queryOf(c.req.url), []);
      // Appends gathered for the next commit land before the delete, and the old journal
      // is closed: its commit timer still runs later, and its bounds (kept in memory) would
      // otherwise let it write into the new log's tables.
      const log = this.#current;
      log.flush();
      void log.journal.close();
      this.#tails.closeAll(CLOSE_LOG_DELETED, "LOG_DELETED");
      // No other event may see the storage half deleted or the old Log over it.
      await this.ctx.blockConcurrencyWhile(async () => {
        this.#log = undefined;
        await this.ctx.storage.deleteAll();
        this.#open();
      });
      return new Response(null, { status: 204 });
    });
    allow("/", "DELETE");

    app.notFound((c) => wrongMethod.fetch(c.req.raw));
    wrongMethod.notFound((c) =>
      errorResponse(
        new HttpError("ROUTE_NOT_FOUND", `No route ${c.req.method} ${logRoute(pathOf(c.req.url))}`),
      )
    );
    const onError = (error: unknown) => errorResponse(error, () => this.#end());
    app.onError(onError);
    wrongMethod.onError(onError);
    return app;
  }

  async #truncate(query: URLSearchParams | undefined): Promise<Response> {
    onlyQuery(query, ["before"]);
    const before = queryInteger(query, "before");
    if (before === undefined) throw new HttpError("BAD_REQUEST", "before is required");
    const journal = this.#current.journal;
    await journal.truncate(before);
    return json(journal.readBounds());
  }

  /**
   * Runs the Log's commit of the appends it gathered (group commit): each request is a task
   * of its own, so the commit waits for the tasks already queued, and then for one more turn
   * of the event loop each time more appends joined, up to `MAX_GATHER_TURNS` turns. Under
   * load one SQLite commit, and its sync to disk (which stalls the whole object), then
   * serves most requests in flight; a lone append waits one turn. Nothing is acknowledged
   * before the commit. Tails hear of the commit in the same synchronous block.
   */
  readonly #scheduleCommit = (commit: () => void): void => {
    let seen = this.#appends;
    let turns = 1;
    const tick = () => {
      if (this.#appends !== seen && turns < MAX_GATHER_TURNS) {
        seen = this.#appends;
        turns++;
        setTimeout(tick, 0);
        return;
      }
      commit();
      this.#afterCommit();
    };
    setTimeout(tick, 0);
  };

  /** Sends what a commit added to the tails; never throws into the timer of the commit. */
  readonly #afterCommit = (): void => {
    try {
      this.#tails.afterCommit();
    } catch (error) {
      console.error(error);
    }
  };
}

function newLog(
  journal: StorageJournal,
  config: LogConfig,
  scheduleCommit: (commit: () => void) => void,
): Log {
  return new Log({
    journal,
    maxSegmentSize: config.maxSegmentSize ?? Infinity,
    maxRecordSize: config.maxRecordSize,
    scheduleCommit,
  });
}

/** The expected offset from `?expected=` or the `Edgelog-Expected-Offset` header. */
function expectedOffset(query: URLSearchParams | undefined, headers: Headers): number | undefined {
  const fromQuery = queryInteger(query, "expected");
  const header = headers.get("edgelog-expected-offset");
  if (header === null) return fromQuery;
  if (fromQuery !== undefined) {
    throw new HttpError(
      "BAD_REQUEST",
      "Give the expected offset as a header or a query parameter, not both",
    );
  }
  return parseInteger("Edgelog-Expected-Offset", header);
}
