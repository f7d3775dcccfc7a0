import { createExecutionContext, env } from "cloudflare:test";
import worker, { type Env } from "../../worker/index.ts";
import { BASE } from "./helpers.ts";

/**
 * Sends a request to the Worker's fetch handler, in this isolate, with the test bindings
 * (or `bindings` over them; `undefined` removes one). Unlike SELF.fetch, whose cost per request grows with every
 * request a test file has sent (cloudflare/workers-sdk#15446), this stays flat, so a test
 * can send thousands of requests.
 */
export function fetchWorker(
  path: string,
  init: RequestInit = {},
  bindings: { [K in keyof Cloudflare.Env]?: Cloudflare.Env[K] | undefined } = {},
): Promise<Response> {
  return Promise.resolve(
    worker.fetch(
      new Request(BASE + path, init),
      // A binding set to undefined is absent, as the Worker sees it when it is not configured.
      { ...env, ...bindings } as Env,
      createExecutionContext(),
    ),
  );
}
