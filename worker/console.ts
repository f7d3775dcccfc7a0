/**
 * The web console's page and assets (`GET /console/`, `src/console/`), served by the
 * repository's Worker from its static assets (the `ASSETS` binding of wrangler.toml, built by
 * `scripts/build_console.mjs`), without a token: the page is public and holds no secret; the
 * API it calls asks for one. Every answer carries the console's Content-Security-Policy (no
 * inline script, no other origin) and `X-Content-Type-Options: nosniff`.
 *
 * @module
 */
import { consoleContentSecurityPolicy } from "../src/protocol/headers.ts";
import { CONSOLE_PATH } from "../src/protocol/routes.ts";
import { ApiError, discardBody, errorResponse, pathOf } from "./http.ts";

/** The bindings the console needs: the static assets, when the Worker has them. */
export interface ConsoleEnv {
  /** The static assets of wrangler.toml's `[assets]`, the console among them. */
  ASSETS?: Fetcher;
}

/**
 * Whether a path is the console's: `/console` or below it.
 *
 * @param path A request's raw path.
 * @returns `true` for the console's page and assets.
 */
export function isConsolePath(path: string): boolean {
  return path === CONSOLE_PATH ||
    (path.startsWith(CONSOLE_PATH) && path.charCodeAt(CONSOLE_PATH.length) === 47 /* "/" */);
}

/**
 * Answers a request for the console: `/console` redirects to `/console/` (so that the page's
 * assets are found beside it, relative to it), `/console/` is the page, any other path below
 * it an asset; `GET` and `HEAD` only.
 *
 * @param request A request whose path {@linkcode isConsolePath} accepts.
 * @param assets The static assets, or `undefined` when the Worker has none (a Worker run
 * from its bundle alone, as `@edgelog/edgelog/testing` runs it): then 404.
 * @returns The answer, with the console's security headers.
 */
export async function serveConsole(
  request: Request,
  assets: Fetcher | undefined,
): Promise<Response> {
  const url = new URL(request.url);
  const path = pathOf(request.url);
  let response: Response;
  try {
    if (request.method !== "GET" && request.method !== "HEAD") {
      throw new ApiError(
        "METHOD_NOT_ALLOWED",
        `Use GET on ${CONSOLE_PATH}/, not ${request.method}`,
        {
          allow: "GET",
        },
      );
    }
    if (assets === undefined) {
      throw new ApiError(
        "ROUTE_NOT_FOUND",
        `No route ${request.method} ${path}: this Worker serves no console (it has no ASSETS binding)`,
      );
    }
    if (path === CONSOLE_PATH) {
      response = new Response(null, {
        status: 308,
        headers: { location: `${CONSOLE_PATH}/${url.search}` },
      });
    } else {
      const asset = new URL(url);
      if (path === `${CONSOLE_PATH}/`) asset.pathname = `${CONSOLE_PATH}/index.html`;
      const found = await assets.fetch(new Request(asset, request));
      if (found.status === 404) {
        await found.body?.cancel();
        throw new ApiError("ROUTE_NOT_FOUND", `No route ${request.method} ${path}`);
      }
      response = new Response(found.body, found);
    }
  } catch (error) {
    await discardBody(request);
    response = errorResponse(error);
    if (request.method === "HEAD") response = new Response(null, response);
  }
  response.headers.set("content-security-policy", consoleContentSecurityPolicy(url));
  response.headers.set("x-content-type-options", "nosniff");
  response.headers.set("referrer-policy", "no-referrer");
  return response;
}
