// The auth matrix: every route of PROTOCOL.md, over HTTP and over WebSocket (token in the
// Authorization header and in the subprotocol offer), against every kind of refused token.
// Each case checks the status, the code, the WWW-Authenticate challenge of a 401, that the
// answer came from the Worker (no Durable Object answered), and that the log is unchanged.
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { RIGHTS } from "../../../src/protocol/token.ts";
import { decodeServerMessage } from "../../../src/protocol/session.ts";
import { decodeTailFrame } from "../../../src/protocol/wire.ts";
import {
  type Carrier,
  expectRefused,
  prefilledLog,
  prepare,
  type RouteCase,
  ROUTES,
  send,
  snapshot,
} from "./routes.ts";
import { allBut, allRights, invalidTokens, token, url } from "./tokens.ts";

const CHALLENGE = 'Bearer realm="edgelog"';
const INVALID_CHALLENGE = 'Bearer realm="edgelog", error="invalid_token"';

/** Each route once over HTTP; the tail over both carriers. */
const VARIANTS: Array<[RouteCase, Carrier]> = ROUTES.flatMap((r): Array<[RouteCase, Carrier]> =>
  r.tail ? [[r, "header"], [r, "subprotocol"]] : [[r, "header"]]
);

let admin: string;
let invalid: Array<[string, string]>;

beforeAll(async () => {
  admin = await allRights("acme");
  invalid = await invalidTokens("acme");
});

/** A log of tenant acme holding three records. */
const prefilled = () => prefilledLog(admin, "matrix");

async function socketCount(log: string): Promise<number> {
  const stub = env.LOGS.get(env.LOGS.idFromName(log));
  return await runInDurableObject(stub, (_obj, state) => state.getWebSockets().length);
}

/**
 * Runs `refuse` against `log` and checks that the log did not change. Refusals share one log
 * per route: each live Durable Object slows every later request of the test run.
 */
async function unchanged(log: string, refuse: (log: string) => Promise<void>): Promise<void> {
  const before = await snapshot(log, admin);
  await refuse(log);
  expect(await snapshot(log, admin)).toEqual(before);
  expect(await socketCount(log)).toBe(0);
}

for (const [route, carrier] of VARIANTS) {
  const label = `${route.label}${route.tail ? ` (token in ${carrier})` : ""}`;
  describe(label, () => {
    let shared: string;
    beforeAll(async () => {
      shared = await prefilled();
    });

    it("without a token: 401 with the Bearer challenge", async () => {
      await unchanged(shared, async (log) => {
        const res = await send(route, log, undefined, carrier);
        expect(res.headers.get("www-authenticate")).toBe(CHALLENGE);
        await expectRefused(res, 401, "UNAUTHORIZED");
      });
    });

    it("with an invalid token (expired, bad signature, alg none, RS256, ...): 401 invalid_token", async () => {
      for (const [kind, jwt] of invalid) {
        await unchanged(shared, async (log) => {
          const res = await send(route, log, jwt, carrier);
          expect(res.headers.get("www-authenticate"), kind).toBe(INVALID_CHALLENGE);
          await expectRefused(res, 401, "UNAUTHORIZED");
        });
      }
    });

    it("with another tenant's token: 403", async () => {
      const globex = await allRights("globex");
      await unchanged(shared, async (log) => {
        await expectRefused(await send(route, log, globex, carrier), 403, "FORBIDDEN");
      });
    });

    it("with a token whose prefix does not cover the log: 403", async () => {
      const narrow = await token({ tenant: "acme", logs: "acme/other/", rights: RIGHTS });
      await unchanged(shared, async (log) => {
        await expectRefused(await send(route, log, narrow, carrier), 403, "FORBIDDEN");
      });
    });

    it(`without the right "${route.right}": 403`, async () => {
      const lacking = await token({ tenant: "acme", rights: allBut(route.right) });
      await unchanged(shared, async (log) => {
        await expectRefused(await send(route, log, lacking, carrier), 403, "FORBIDDEN");
      });
    });

    it(`with the right "${route.right}" alone: ${route.ok}`, async () => {
      const log = await prefilled();
      await prepare(route, log, admin);
      const only = await token({ tenant: "acme", rights: [route.right] });
      const res = await send(route, log, only, carrier);
      expect(res.status).toBe(route.ok);
      if (route.tail) {
        expect(res.headers.get("sec-websocket-protocol")).toBe(
          carrier === "subprotocol" ? "edgelog" : null,
        );
        const ws = res.webSocket!;
        const frame = new Promise<ArrayBuffer>((resolve) => {
          ws.addEventListener("message", async (e) => {
            const data: unknown = e.data;
            resolve(data instanceof Blob ? await data.arrayBuffer() : data as ArrayBuffer);
          });
        });
        ws.accept();
        if (route.session) {
          const [hello] = decodeServerMessage(new Uint8Array(await frame));
          expect(hello?.kind).toBe("hello");
        } else {
          const records = decodeTailFrame(new Uint8Array(await frame));
          expect(records.map((r) => new TextDecoder().decode(r.data))).toEqual([
            "one",
            "two",
            "three",
          ]);
        }
        ws.close(1000);
      } else {
        await res.arrayBuffer();
      }
    });
  });
}

describe("the matrix covers PROTOCOL.md", () => {
  it("has one case per route and method of the route table", async () => {
    const { ROUTE_RIGHTS } = await import("../../../src/protocol/token.ts");
    const table = Object.entries(ROUTE_RIGHTS).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m} ${path}`)
    ).sort();
    const covered = [
      ...new Set(ROUTES.map((r) => {
        const path = new URL(url(r.path("acme/x"))).pathname.slice("/logs/acme/x".length) || "/";
        return `${r.method} ${path.replace(/^\/records\/\d+$/, "/records/{offset}")}`;
      })),
    ].sort();
    expect(covered).toEqual(table);
  });
});
