// Rights per route: a token holding one right may use exactly the routes that need it.
// Rights are independent: admin implies neither read nor append.
import { beforeAll, describe, expect, it } from "vitest";
import { type Right, RIGHTS } from "../../../src/protocol/token.ts";
import { uniqueName } from "../helpers.ts";
import { expectRefused, prepare, ROUTES, send, snapshot } from "./routes.ts";
import { allRights, bearer, fetchWorker, token } from "./tokens.ts";

let admin: string;
const only = new Map<Right, string>();

beforeAll(async () => {
  admin = await allRights("acme");
  for (const right of RIGHTS) only.set(right, await token({ tenant: "acme", rights: [right] }));
});

async function prefilled(): Promise<string> {
  const log = `acme/${uniqueName("rights")}`;
  for (const body of ["a", "b", "c"]) {
    const res = await fetchWorker(`/logs/${log}/records`, {
      method: "POST",
      headers: bearer(admin),
      body,
    });
    expect(res.status).toBe(200);
  }
  return log;
}

for (const right of RIGHTS) {
  describe(`a token with only "${right}"`, () => {
    for (const route of ROUTES) {
      const allowed = route.right === right;
      it(`${allowed ? "may" : "may not"} use ${route.label}`, async () => {
        const log = await prefilled();
        await prepare(route, log, admin);
        const before = await snapshot(log, admin);
        const res = await send(route, log, only.get(right));
        if (allowed) {
          expect(res.status).toBe(route.ok);
          if (res.webSocket) res.webSocket.accept(), res.webSocket.close(1000);
          else await res.arrayBuffer();
        } else {
          await expectRefused(res, 403, "FORBIDDEN");
          expect(await snapshot(log, admin)).toEqual(before);
        }
      });
    }
  });
}

describe("rights in combination", () => {
  it("read + append may append and read back, but not truncate", async () => {
    const log = await prefilled();
    const jwt = await token({ tenant: "acme", rights: ["read", "append"] });
    const append = await fetchWorker(`/logs/${log}/records`, {
      method: "POST",
      headers: bearer(jwt),
      body: "more",
    });
    expect(await append.json()).toEqual({ offset: 3 });
    const read = await fetchWorker(`/logs/${log}/records/3`, { headers: bearer(jwt) });
    expect(await read.text()).toBe("more");
    const truncate = await fetchWorker(`/logs/${log}/truncate?before=1`, {
      method: "POST",
      headers: bearer(jwt),
    });
    await expectRefused(truncate, 403, "FORBIDDEN");
  });

  it("HEAD needs read, like GET", async () => {
    const log = await prefilled();
    const head = (jwt: string) =>
      fetchWorker(`/logs/${log}/bounds`, { method: "HEAD", headers: bearer(jwt) });
    expect((await head(only.get("read")!)).status).toBe(200);
    expect((await head(only.get("admin")!)).status).toBe(403);
  });
});
