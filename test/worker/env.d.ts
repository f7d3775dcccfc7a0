import type { Env as WorkerEnv } from "../../worker/log_object.ts";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}
