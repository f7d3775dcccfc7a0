// The order of the Worker's checks (PROTOCOL.md, Authentication): 1. token (401), 2. log
// name (400), 3. tenant and prefix (403), 4. route (404) and method (405), 5. right (403).
// Every request below fails two or more of the steps at once and must get the answer of the
// earliest one: status, code, the WWW-Authenticate challenge of a 401 (none otherwise) and
// the Allow of a 405. Each runs without an Origin (the Worker's direct path) and from an
// allowed origin (through the Hono app), and no log may change.
import { beforeAll, describe, expect, it } from "vitest";
import { type Right, RIGHTS } from "../../../src/protocol/token.ts";
import { expectRefused, prefilledLog, snapshot } from "./routes.ts";
import { allRights, bearer, epoch, fetchWorker, forge, token } from "./tokens.ts";

const CHALLENGE = 'Bearer realm="edgelog"';
const INVALID_CHALLENGE = 'Bearer realm="edgelog", error="invalid_token"';
const APP = "https://app.example.com";

/** The tokens of the table, by name. */
type TokenName =
  | "none"
  | "expired" // acme, every right, expired
  | "expired globex read" // another tenant, only read, expired
  | "garbage"
  | "acme" // every right
  | "globex" // another tenant, every right
  | "acme/other/ prefix" // acme, every right, a prefix that covers none of the logs here
  | "globex read"
  | "read"
  | "append"
  | "admin";

/** The steps of PROTOCOL.md that a request fails. */
type Step = "token" | "name" | "tenant" | "route" | "method" | "right";

interface OrderCase {
  /** The steps the request fails, earliest first. */
  fails: Step[];
  jwt: TokenName;
  method: string;
  /** The path, given a valid log of tenant acme that holds records. */
  path: (log: string) => string;
  body?: string;
  /** A WebSocket upgrade with the token in the subprotocol offer. */
  tail?: boolean;
  status: number;
  code: string;
  /** The WWW-Authenticate value of a 401. */
  challenge?: string;
  /** The methods a 405 lists in Allow. */
  allow?: string[];
}

// Names that break the rules, derived from the log so that they are below acme/.
const spaced = (log: string) => `${log}%20x`; // a character outside the alphabet
const empty = (log: string) => `${log}//x`; // an empty segment
const encodedSlash = (log: string) => `${log}%2fx`; // percent-encoding
const tooLong = (log: string) => `${log}/${"x".repeat(200)}`; // over 200 characters

const CASES: OrderCase[] = [
  // 1 before 2, 3, 4, 5.
  {
    fails: ["token", "name"],
    jwt: "none",
    method: "GET",
    path: (l) => `/logs/${spaced(l)}/bounds`,
    status: 401,
    code: "UNAUTHORIZED",
    challenge: CHALLENGE,
  },
  {
    fails: ["token", "name"],
    jwt: "none",
    method: "POST",
    path: (l) => `/logs/${empty(l)}/records`,
    body: "x",
    status: 401,
    code: "UNAUTHORIZED",
    challenge: CHALLENGE,
  },
  {
    fails: ["token", "name"],
    jwt: "expired",
    method: "POST",
    path: (l) => `/logs/${encodedSlash(l)}/records`,
    body: "x",
    status: 401,
    code: "UNAUTHORIZED",
    challenge: INVALID_CHALLENGE,
  },
  {
    fails: ["token", "name"],
    jwt: "garbage",
    method: "GET",
    path: (l) => `/logs/${tooLong(l)}/range`,
    status: 401,
    code: "UNAUTHORIZED",
    challenge: INVALID_CHALLENGE,
  },
  {
    fails: ["token", "name"],
    jwt: "none",
    method: "GET",
    path: (l) => `/logs/${spaced(l)}/tail`,
    tail: true,
    status: 401,
    code: "UNAUTHORIZED",
    challenge: CHALLENGE,
  },
  {
    fails: ["token", "tenant"],
    jwt: "expired globex read",
    method: "GET",
    path: (l) => `/logs/${l}/bounds`,
    status: 401,
    code: "UNAUTHORIZED",
    challenge: INVALID_CHALLENGE,
  },
  {
    fails: ["token", "route"],
    jwt: "none",
    method: "GET",
    path: (l) => `/logs/${l}/bounds/x`,
    status: 401,
    code: "UNAUTHORIZED",
    challenge: CHALLENGE,
  },
  {
    fails: ["token", "method"],
    jwt: "expired",
    method: "PATCH",
    path: (l) => `/logs/${l}/records`,
    body: "x",
    status: 401,
    code: "UNAUTHORIZED",
    challenge: INVALID_CHALLENGE,
  },
  {
    fails: ["token", "right"],
    jwt: "expired globex read",
    method: "POST",
    path: (l) => `/logs/${l}/records`,
    body: "x",
    status: 401,
    code: "UNAUTHORIZED",
    challenge: INVALID_CHALLENGE,
  },
  {
    fails: ["token", "name", "tenant", "route", "right"],
    jwt: "expired globex read",
    method: "POST",
    path: (l) => `/logs/${spaced(l)}/records/0/x`,
    body: "x",
    status: 401,
    code: "UNAUTHORIZED",
    challenge: INVALID_CHALLENGE,
  },
  {
    fails: ["token", "route"],
    jwt: "garbage",
    method: "GET",
    path: () => "/nope",
    status: 401,
    code: "UNAUTHORIZED",
    challenge: INVALID_CHALLENGE,
  },
  // 2 before 3, 4, 5.
  {
    fails: ["name", "tenant"],
    jwt: "globex",
    method: "POST",
    path: (l) => `/logs/${spaced(l)}/records`,
    body: "x",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    fails: ["name", "tenant"],
    jwt: "acme/other/ prefix",
    method: "GET",
    path: (l) => `/logs/${empty(l)}/bounds`,
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    fails: ["name", "tenant"],
    jwt: "globex",
    method: "GET",
    path: (l) => `/logs/${spaced(l)}/tail`,
    tail: true,
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    fails: ["name", "route"],
    jwt: "acme",
    method: "GET",
    path: (l) => `/logs/${encodedSlash(l)}/bounds/x`,
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    fails: ["name", "method"],
    jwt: "acme",
    method: "PATCH",
    path: (l) => `/logs/${tooLong(l)}/records`,
    body: "x",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    fails: ["name", "right"],
    jwt: "read",
    method: "POST",
    path: (l) => `/logs/${spaced(l)}/records`,
    body: "x",
    status: 400,
    code: "BAD_REQUEST",
  },
  {
    fails: ["name", "tenant", "route", "right"],
    jwt: "globex read",
    method: "DELETE",
    path: (l) => `/logs/${empty(l)}/config/x`,
    status: 400,
    code: "BAD_REQUEST",
  },
  // 3 before 4.
  {
    fails: ["tenant", "route"],
    jwt: "globex",
    method: "GET",
    path: (l) => `/logs/${l}/bounds/x`,
    status: 403,
    code: "FORBIDDEN",
  },
  {
    fails: ["tenant", "route"],
    jwt: "acme/other/ prefix",
    method: "POST",
    path: (l) => `/logs/${l}/records/0/x`,
    body: "x",
    status: 403,
    code: "FORBIDDEN",
  },
  {
    fails: ["tenant", "method"],
    jwt: "globex",
    method: "PATCH",
    path: (l) => `/logs/${l}/records`,
    body: "x",
    status: 403,
    code: "FORBIDDEN",
  },
  {
    fails: ["tenant", "method"],
    jwt: "acme/other/ prefix",
    method: "POST",
    path: (l) => `/logs/${l}/bounds`,
    body: "x",
    status: 403,
    code: "FORBIDDEN",
  },
  {
    fails: ["tenant", "method", "right"],
    jwt: "globex read",
    method: "DELETE",
    path: (l) => `/logs/${l}/config`,
    status: 403,
    code: "FORBIDDEN",
  },
  // 4 before 5.
  {
    fails: ["route", "right"],
    jwt: "append",
    method: "GET",
    path: (l) => `/logs/${l}/records/0/x`,
    status: 404,
    code: "ROUTE_NOT_FOUND",
  },
  {
    fails: ["route", "right"],
    jwt: "read",
    method: "POST",
    path: (l) => `/logs/${l}/batch/x`,
    body: "x",
    status: 404,
    code: "ROUTE_NOT_FOUND",
  },
  {
    fails: ["route", "right"],
    jwt: "append",
    method: "POST",
    path: (l) => `/logs/${l}/truncate/x?before=2`,
    status: 404,
    code: "ROUTE_NOT_FOUND",
  },
  {
    fails: ["method", "right"],
    jwt: "admin",
    method: "POST",
    path: (l) => `/logs/${l}/bounds`,
    body: "x",
    status: 405,
    code: "METHOD_NOT_ALLOWED",
    allow: ["GET"],
  },
  {
    fails: ["method", "right"],
    jwt: "read",
    method: "PUT",
    path: (l) => `/logs/${l}/batch`,
    body: "x",
    status: 405,
    code: "METHOD_NOT_ALLOWED",
    allow: ["POST"],
  },
  {
    fails: ["method", "right"],
    jwt: "append",
    method: "GET",
    path: (l) => `/logs/${l}/truncate?before=2`,
    status: 405,
    code: "METHOD_NOT_ALLOWED",
    allow: ["POST"],
  },
  {
    fails: ["method", "right"],
    jwt: "append",
    method: "DELETE",
    path: (l) => `/logs/${l}/config`,
    status: 405,
    code: "METHOD_NOT_ALLOWED",
    allow: ["GET", "PUT"],
  },
  {
    fails: ["method", "right"],
    jwt: "admin",
    method: "POST",
    path: (l) => `/logs/${l}/records/0`,
    body: "x",
    status: 405,
    code: "METHOD_NOT_ALLOWED",
    allow: ["GET"],
  },
];

const tokens = new Map<TokenName, string | undefined>();
let admin: string;

beforeAll(async () => {
  admin = await allRights("acme");
  const claims = (tenant: string, rights: readonly Right[]) => ({
    tenant,
    rights: [...rights],
    iat: epoch(-1200),
    exp: epoch(-600),
  });
  const only = (right: Right) => token({ tenant: "acme", rights: [right] });
  const entries: Array<[TokenName, string | undefined]> = [
    ["none", undefined],
    ["expired", await forge({ alg: "HS256", typ: "JWT" }, claims("acme", RIGHTS))],
    ["expired globex read", await forge({ alg: "HS256", typ: "JWT" }, claims("globex", ["read"]))],
    ["garbage", "not-a-jwt"],
    ["acme", admin],
    ["globex", await allRights("globex")],
    ["acme/other/ prefix", await token({ tenant: "acme", logs: "acme/other/", rights: RIGHTS })],
    ["globex read", await token({ tenant: "globex", rights: ["read"] })],
    ["read", await only("read")],
    ["append", await only("append")],
    ["admin", await only("admin")],
  ];
  for (const [name, jwt] of entries) tokens.set(name, jwt);
});

/** Sends a case's request to `log`, from `origin` when given. */
function send(c: OrderCase, log: string, origin: string | undefined): Promise<Response> {
  const jwt = tokens.get(c.jwt);
  const headers: Record<string, string> = origin === undefined ? {} : { origin };
  if (c.tail) {
    headers.upgrade = "websocket";
    headers["sec-websocket-protocol"] = jwt === undefined
      ? "edgelog"
      : `edgelog, edgelog.bearer.${jwt}`;
  } else if (jwt !== undefined) Object.assign(headers, bearer(jwt));
  const init: RequestInit = { method: c.method, headers };
  if (c.body !== undefined) init.body = c.body;
  return fetchWorker(c.path(log), init, origin === undefined ? {} : { CORS_ORIGINS: origin });
}

const methods = (allow: string | null): string[] =>
  (allow ?? "").split(",").map((m) => m.trim().toUpperCase()).filter((m) =>
    m !== "" && m !== "HEAD"
  )
    .sort();

describe("the table is well-formed", () => {
  it("every case fails two or more steps, listed in the documented order", () => {
    const order: Step[] = ["token", "name", "tenant", "route", "method", "right"];
    for (const c of CASES) {
      expect(c.fails.length, c.fails.join("+")).toBeGreaterThanOrEqual(2);
      const at = c.fails.map((s) => order.indexOf(s));
      expect(at, c.fails.join("+")).toEqual([...at].sort((a, b) => a - b));
      expect(at).not.toContain(-1);
    }
  });
});

for (const origin of [undefined, APP]) {
  describe(`the earliest failed check answers (${origin === undefined ? "no Origin" : "allowed Origin"})`, () => {
    let log: string;
    beforeAll(async () => {
      log = await prefilledLog(admin, "order");
    });

    for (const c of CASES) {
      const title = `${c.fails.join(" + ")} (${c.jwt} token, ${c.method} ${
        c.path("{log}").slice(0, 60)
      }${c.tail ? ", WebSocket" : ""}): ${c.status} ${c.code}`;
      it(title, async () => {
        const before = await snapshot(log, admin);
        const res = await send(c, log, origin);
        expect(res.headers.get("www-authenticate"), "WWW-Authenticate").toBe(c.challenge ?? null);
        if (c.allow === undefined) expect(res.headers.get("allow"), "Allow").toBeNull();
        else expect(methods(res.headers.get("allow")), "Allow").toEqual([...c.allow].sort());
        // CORS does not apply to WebSocket upgrades: only other answers carry it.
        expect(res.headers.get("access-control-allow-origin"), "Access-Control-Allow-Origin")
          .toBe(origin === undefined || c.tail ? null : origin);
        await expectRefused(res, c.status, c.code);
        expect(await snapshot(log, admin)).toEqual(before);
      });
    }
  });
}
