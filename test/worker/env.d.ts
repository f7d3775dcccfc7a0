import type { Env as WorkerEnv } from "../../worker/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      /** Runs of the fuzz test (vitest.config.ts passes FUZZ_RUNS from the environment). */
      FUZZ_RUNS?: string;
    }
  }
}
