/**
 * The Worker of this repository (wrangler.toml's `main`): edgelog's API at the root of the
 * Worker, with the deployment's vars from its bindings. It is one user of the mountable
 * handler (`mount.ts`, exported as `@edgelog/edgelog/worker`), as a Worker of your own is.
 * See PROTOCOL.md for the API.
 *
 * @module
 */
import type { Env } from "./env.ts";
import { edgelog } from "./mount.ts";

export { LogObject } from "./object/log_object.ts";
export type { Env } from "./env.ts";

const api = edgelog<Env>();

/** The Worker's handlers. */
const worker = {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    return api.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;

export default worker;
