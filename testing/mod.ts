/**
 * edgelog for your tests: {@linkcode startTestServer} runs the edgelog Worker and its
 * `LogObject` (SQLite-backed Durable Objects) in Miniflare, in this process, on a free port of
 * 127.0.0.1, and serves real HTTP and WebSockets, so that code under test talks to it as it
 * would to a deployment: with `LogClient`, `fetch` or any HTTP client. Node 20+ and Deno.
 *
 * The server runs the Worker bundle `worker.bundle.js` with the compatibility date, flags and
 * vars of edgelog's wrangler.toml (`worker.bundle.json` beside it): in the npm package both
 * are in `dist/`, next to `dist/testing/`; in the repository they are built into `dist/` on
 * first use (`node scripts/bundle_worker.mjs`, about 5 s) and rebuilt when a source of the
 * Worker changes.
 *
 * @example Append and read back
 * ```ts
 * import { startTestServer } from "@edgelog/edgelog/testing";
 * import { LogClient } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * const server = await startTestServer();
 * try {
 *   const log = new LogClient(server.url, "acme/orders");
 *   await log.append(new TextEncoder().encode("hello"));
 *   const record = await log.read(0);
 *   assert.equal(new TextDecoder().decode(record.data), "hello");
 * } finally {
 *   await server.close();
 * }
 * ```
 *
 * @module
 */
import { resolve } from "node:path";
import { Miniflare } from "miniflare";
import { type MintOptions, mintToken, type TokenGrant } from "../src/protocol/token.ts";
import { workerBundle } from "./bundle.ts";
import { checkOptions, type TestServerOptions } from "./options.ts";

export type { TestLogDefaults, TestServerOptions } from "./options.ts";
export type { MintOptions, Right, TokenGrant } from "../src/protocol/token.ts";

/** A running test server: see {@linkcode startTestServer}. */
export interface TestServer {
  /** The base URL, e.g. `"http://127.0.0.1:41234"` (no trailing slash). */
  readonly url: string;
  /**
   * The Miniflare instance that runs the server: `dispatchFetch` sends a request without a
   * socket, `getDurableObjectNamespace("LOGS")` reaches the objects.
   */
  readonly miniflare: Miniflare;
  /**
   * Mints a token the server accepts, signed with its `secret`.
   *
   * @param grant The tenant, rights and optional log-name prefix.
   * @param options The lifetime (default one hour) and the time of issue.
   * @returns The token, for `LogClient`'s `token` option or an `Authorization: Bearer` header.
   * @throws {Error} When the server was started without a `secret`: in open development
   * mode it accepts every request, and no token is needed.
   * @throws {RangeError} When the grant breaks a rule (see `mintToken`).
   */
  token(grant: TokenGrant, options?: MintOptions): Promise<string>;
  /** Stops the server and frees its storage (unless persisted). Closing twice is harmless. */
  close(): Promise<void>;
  /** The same as `close()`, for `await using server = await startTestServer()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts edgelog in Miniflare: the Worker and its `LOGS` Durable Objects, SQLite storage in
 * memory (or in `persist`), open development mode unless a `secret` is given.
 *
 * @param options The secret, the persistence folder, the defaults of new logs, limits, port.
 * @returns The running server; `close()` it when done.
 * @throws {TypeError} When an option is unknown or has the wrong type.
 * @throws {RangeError} Naming the option, when its value is out of range (a secret shorter
 * than 32 bytes, a `defaults.maxRecordSize` of 0, ...).
 * @throws {Error} When the Worker bundle is missing (the message names the command that
 * builds it) or the runtime does not start.
 *
 * @example With a secret: requests need a token
 * ```ts
 * import { startTestServer } from "@edgelog/edgelog/testing";
 * import { LogClient } from "@edgelog/edgelog/client";
 * import assert from "node:assert/strict";
 *
 * await using server = await startTestServer({
 *   secret: "a secret of at least thirty-two bytes!",
 *   defaults: { maxRecordSize: 1024 },
 * });
 * const res = await fetch(`${server.url}/logs/acme/orders/bounds`);
 * await res.body?.cancel();
 * assert.equal(res.status, 401);
 * const token = await server.token({ tenant: "acme", rights: ["read", "append"] });
 * const log = new LogClient(server.url, "acme/orders", { token });
 * assert.equal(await log.append(new Uint8Array([1, 2, 3])), 0);
 * ```
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { vars, secret, persist, port } = checkOptions(options);
  const { scriptPath, modulesRoot, settings } = await workerBundle();
  const miniflare = new Miniflare({
    name: settings.name,
    modules: true,
    scriptPath,
    modulesRoot,
    compatibilityDate: settings.compatibilityDate,
    compatibilityFlags: settings.compatibilityFlags,
    durableObjects: settings.durableObjects,
    bindings: { ...settings.vars, ...vars },
    ...(persist === undefined ? {} : { durableObjectsPersist: resolve(persist) }),
    host: "127.0.0.1",
    port,
    cf: false,
  });
  let url: URL;
  try {
    url = await miniflare.ready;
  } catch (error) {
    await miniflare.dispose().catch(() => {});
    throw error;
  }
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= miniflare.dispose());
  return {
    url: url.origin,
    miniflare,
    token(grant: TokenGrant, mintOptions?: MintOptions): Promise<string> {
      if (secret === undefined) {
        return Promise.reject(
          new Error(
            "The test server runs in open development mode and needs no token: start it with a secret to test tokens",
          ),
        );
      }
      return mintToken(secret, grant, mintOptions);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
