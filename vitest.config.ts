import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { buildConsole } from "./scripts/build_console.mjs";

// wrangler.toml's [assets] folder must exist before the pool reads it: the console's build.
await buildConsole();

/** The AUTH_SECRET of the workerd tests that run with tokens (test/worker/auth/). */
const TEST_SECRET = "edgelog-test-secret-0123456789abcdef";

// Two projects over the same wrangler.toml: test/worker/auth/ runs with a secret, as a
// deployment does; every other worker test runs in open development mode. AUTH_SECRET is
// bound (empty) in open mode too, so a developer's .dev.vars cannot turn a secret on.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { EDGELOG_OPEN_DEV: "true", AUTH_SECRET: "" } },
          }),
        ],
        test: {
          name: "open",
          include: ["test/worker/**/*.test.ts"],
          exclude: ["test/worker/auth/**"],
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                AUTH_SECRET: TEST_SECRET,
                // Low enough to test the limit with a few sockets.
                MAX_TAILS_PER_LOG: "3",
                FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
              },
            },
          }),
        ],
        test: {
          name: "auth",
          include: ["test/worker/auth/**/*.test.ts"],
          // The fuzz test sends thousands of requests.
          testTimeout: 120_000,
        },
      },
    ],
  },
});
