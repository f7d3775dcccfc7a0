/**
 * The Worker of this repository (wrangler.toml's `main`): edgelog's API at the root of the
 * Worker, with the deployment's vars from its bindings, and the web console at `/console/`
 * (`console.ts`, from the static assets). It is one user of the mountable
 * handler (`mount.ts`, exported as `@edgelog/edgelog/worker`), as a Worker of your own is.
 * See PROTOCOL.md for the API.
 *
 * @module
 */
import { type ConsoleEnv, isConsolePath, serveConsole } from "./console.ts";
import type { Env } from "./env.ts";
import { pathOf } from "./http.ts";
import { edgelog } from "./mount.ts";

export { LogObject } from "./object/log_object.ts";
export type { Env } from "./env.ts";

const api = edgelog<Env>();

/** The Worker's handlers: the web console (`/console/`), and the API everywhere else. */
const worker = {
  fetch(request: Request, env: Env & ConsoleEnv, ctx: ExecutionContext): Promise<Response> {
    if (isConsolePath(pathOf(request.url))) return serveConsole(request, env.ASSETS);
    return api.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env & ConsoleEnv>;

export default worker;
