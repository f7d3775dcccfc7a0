// The token module under Deno: minting, verifying, and the route table.
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import {
  coversLog,
  InvalidTokenError,
  MAX_TOKEN_LENGTH,
  mintToken,
  requiredRight,
  RIGHTS,
  ROUTE_RIGHTS,
  routeRights,
  unverifiedRights,
  verifyToken,
} from "./token.ts";

const SECRET = "a secret of at least thirty-two bytes!";

Deno.test("`mintToken()` and `verifyToken()` round-trip the claims, `logs` defaulted", async () => {
  const now = Date.UTC(2026, 0, 1);
  const token = await mintToken(SECRET, { tenant: "acme", rights: ["read", "admin"] }, {
    ttl: 60,
    now,
  });
  const claims = await verifyToken(SECRET, token, { now: now + 59_000 });
  assert.deepEqual(claims, {
    tenant: "acme",
    logs: "acme/",
    rights: ["read", "admin"],
    iat: now / 1000,
    exp: now / 1000 + 60,
  });
});

Deno.test("`mintToken()` signs HS256 JWTs that carry exp and iat", async () => {
  const token = await mintToken(SECRET, { tenant: "acme", logs: "acme/x/", rights: ["append"] });
  const decode = (part: string) => {
    const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")));
  };
  const [header, payload] = token.split(".").slice(0, 2).map(decode);
  assert.deepEqual(header, { alg: "HS256", typ: "JWT" });
  assert.equal(payload.tenant, "acme");
  assert.equal(payload.logs, "acme/x/");
  assert.equal(payload.exp - payload.iat, 3600);
});

Deno.test("`verifyToken()` rejects expired, badly signed and malformed tokens", async () => {
  const now = Date.UTC(2026, 0, 1);
  const token = await mintToken(SECRET, { tenant: "acme", rights: ["read"] }, { ttl: 60, now });
  const reasons: string[] = [];
  for (
    const [candidate, secret, at] of [
      [token, SECRET, now + 61_000],
      [token, "another secret of thirty-two bytes!!", now],
      [`${token}x`, SECRET, now],
      ["a.b.c", SECRET, now],
      ["x".repeat(5000), SECRET, now],
      ["", SECRET, now],
    ] as const
  ) {
    const error = await verifyToken(secret, candidate, { now: at }).catch((e) => e);
    assert(error instanceof InvalidTokenError, String(error));
    reasons.push(error.message);
  }
  assert.deepEqual(reasons.slice(0, 2), [
    "The token has expired",
    "The token's signature does not verify",
  ]);
});

Deno.test("`mintToken()` refuses short secrets, bad tenants, prefixes, rights and ttls", async () => {
  const grant = { tenant: "acme", rights: RIGHTS };
  await assert.rejects(mintToken("short", grant), RangeError);
  for (const tenant of ["", ".", "..", "a/b", "a b", "ü", "x".repeat(200)]) {
    await assert.rejects(mintToken(SECRET, { ...grant, tenant }), RangeError, tenant);
  }
  for (const logs of ["acme", "other/", "acme/..?", `acme/${"x".repeat(200)}`]) {
    await assert.rejects(mintToken(SECRET, { ...grant, logs }), RangeError, logs);
  }
  await assert.rejects(mintToken(SECRET, { tenant: "acme", rights: [] }), RangeError);
  await assert.rejects(
    mintToken(SECRET, { tenant: "acme", rights: ["root" as "read"] }),
    RangeError,
  );
  for (const ttl of [0, -1, 1.5, NaN]) {
    await assert.rejects(mintToken(SECRET, grant, { ttl }), RangeError);
  }
});

Deno.test("`mintToken()` and `verifyToken()` carry exact names, with no prefix unless given", async () => {
  const now = Date.UTC(2026, 0, 1);
  const exact = await mintToken(SECRET, { tenant: "demo", names: ["demo"], rights: ["read"] }, {
    now,
  });
  const claims = await verifyToken(SECRET, exact, { now });
  assert.deepEqual(claims, {
    tenant: "demo",
    names: ["demo"],
    rights: ["read"],
    iat: now / 1000,
    exp: now / 1000 + 3600,
  });
  assert(coversLog(claims, "demo"));
  for (const other of ["demo2", "demo/x", "demolition", "dem"]) assert(!coversLog(claims, other));

  const both = await verifyToken(
    SECRET,
    await mintToken(SECRET, {
      tenant: "acme",
      logs: "acme/orders/",
      names: ["acme/demo", "acme/audit"],
      rights: ["append"],
    }),
  );
  assert.equal(both.logs, "acme/orders/");
  assert.deepEqual(both.names, ["acme/demo", "acme/audit"]);
  for (const name of ["acme/demo", "acme/audit", "acme/orders/eu"]) assert(coversLog(both, name));
  for (const name of ["acme/demo2", "acme/demolition", "acme/audit/x", "acme/orders"]) {
    assert(!coversLog(both, name), name);
  }
});

Deno.test("`mintToken()` refuses names outside the tenant, invalid names and empty lists", async () => {
  const grant = { tenant: "acme", rights: RIGHTS };
  for (
    const names of [
      [],
      ["globex/x"],
      ["acme2"],
      ["acmex/y"],
      ["acme/records"],
      ["acme//x"],
      [
        "acme/..",
      ],
      [""],
      [7 as unknown as string],
      "acme/x" as unknown as string[],
    ]
  ) {
    await assert.rejects(mintToken(SECRET, { ...grant, names }), RangeError, String(names));
  }
  await assert.rejects(
    mintToken(SECRET, { ...grant, names: ["globex/x"] }),
    { message: 'The name "globex/x" is outside the tenant "acme": its first segment differs' },
  );
  // A name list too long for verifyToken is refused when minting, not when used.
  const many = Array.from({ length: 40 }, (_, i) => `acme/${"x".repeat(100)}${i}`);
  await assert.rejects(mintToken(SECRET, { ...grant, names: many }), /name fewer logs/);
});

Deno.test("`verifyToken()` refuses forged names outside the tenant or of the wrong type", async () => {
  const key = new TextEncoder().encode(SECRET);
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT({ tenant: "acme", rights: ["read"], ...claims })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .sign(key);
  for (
    const names of [["globex/x"], "acme/x", [], [1], ["acme/records"], ["acme2/x"]]
  ) {
    const error = await verifyToken(SECRET, await sign({ names })).catch((e) => e);
    assert(error instanceof InvalidTokenError, JSON.stringify(names));
  }
});

Deno.test("`coversLog()` needs the tenant's segment and the prefix", () => {
  const claims = { tenant: "acme", logs: "acme/" };
  assert(coversLog(claims, "acme/x"));
  assert(!coversLog(claims, "acme"));
  assert(!coversLog(claims, "acme-evil/x"));
  assert(!coversLog({ tenant: "acme", logs: "acme/a/" }, "acme/b"));
  // A plain string prefix, as documented: without a closing "/" it covers longer names.
  const demo = { tenant: "acme", logs: "acme/demo" };
  for (const name of ["acme/demo", "acme/demo2", "acme/demolition", "acme/demo/x"]) {
    assert(coversLog(demo, name), name);
  }
  // Names are checked against the tenant as well: hand-built claims cannot cross it.
  assert(!coversLog({ tenant: "acme", names: ["globex/x"] }, "globex/x"));
  assert(!coversLog({ tenant: "acme" }, "acme/x"));
});

Deno.test("`requiredRight()` maps every route of PROTOCOL.md, HEAD as GET", () => {
  assert.deepEqual(
    Object.entries(ROUTE_RIGHTS).map(([route, methods]) => [route, methods]),
    [
      ["/", { DELETE: "admin" }],
      ["/records", { GET: "read", POST: "append", DELETE: "admin" }],
      ["/records/{offset}", { GET: "read" }],
      ["/batch", { POST: "append" }],
      ["/bounds", { GET: "read" }],
      ["/range", { GET: "read" }],
      ["/config", { GET: "read", PUT: "admin" }],
      ["/truncate", { POST: "admin" }],
      ["/tail", { GET: "read" }],
      ["/session", { GET: "append" }],
      ["/metrics", { GET: "admin" }],
      ["/stream", { GET: "read", PUT: "admin", POST: "append", DELETE: "admin" }],
    ],
  );
  assert.equal(requiredRight("HEAD", "/stream"), "read");
  assert.equal(requiredRight("HEAD", "/records/7"), "read");
  assert.equal(requiredRight("GET", "/records/7/x"), undefined);
  assert.equal(requiredRight("toString", "/records"), undefined);
  assert.equal(requiredRight("GET", "/__proto__"), undefined);
  assert.equal(routeRights("/constructor"), undefined);
});

Deno.test("`verifyToken()` follows a change of secret (the imported key is cached)", async () => {
  const other = "another secret, also thirty-two bytes long";
  const first = await mintToken(SECRET, { tenant: "acme", rights: ["read"] });
  const second = await mintToken(other, { tenant: "acme", rights: ["read"] });
  assert.equal((await verifyToken(SECRET, first)).tenant, "acme");
  assert.equal((await verifyToken(other, second)).tenant, "acme");
  await assert.rejects(verifyToken(other, first), InvalidTokenError);
  await assert.rejects(verifyToken(SECRET, second), InvalidTokenError);
  assert.equal((await verifyToken(new TextEncoder().encode(SECRET), first)).tenant, "acme");
});

Deno.test("a secret of 32 bytes is enough, 31 is not (bytes, not characters)", async () => {
  const grant = { tenant: "acme", rights: RIGHTS };
  for (
    const [enough, short] of [["s".repeat(32), "s".repeat(31)], [
      "é".repeat(16),
      "é".repeat(15) + "s",
    ]]
  ) {
    const token = await mintToken(enough!, grant);
    assert.equal((await verifyToken(enough!, token)).tenant, "acme");
    await assert.rejects(mintToken(short!, grant), RangeError);
    await assert.rejects(verifyToken(short!, token), RangeError);
  }
});

Deno.test("`verifyToken()` takes a token of 4096 characters and refuses one of 4097", async () => {
  const key = new TextEncoder().encode(SECRET);
  const sign = (pad: string) =>
    new SignJWT({ tenant: "acme", rights: ["read"], pad })
      .setProtectedHeader({ alg: "HS256" }).setExpirationTime("10m").sign(key);
  const ofLength = async (length: number) => {
    // The claims but the pad take less than 300 characters; the pad grows the token 4:3.
    for (let n = Math.floor(((length - 300) * 3) / 4); n < length; n++) {
      const token = await sign("p".repeat(n));
      if (token.length >= length) return token;
    }
    throw new Error("unreachable");
  };
  const longest = await ofLength(MAX_TOKEN_LENGTH);
  assert.equal(longest.length, 4096);
  assert.equal((await verifyToken(SECRET, longest)).tenant, "acme");
  const over = await ofLength(MAX_TOKEN_LENGTH + 1);
  assert.equal(over.length, 4097);
  const error = await verifyToken(SECRET, over).catch((e) => e);
  assert(error instanceof InvalidTokenError, String(error));
  assert.match(error.message, /longer than 4096/);
});

Deno.test("`unverifiedRights()` reads a token's rights claim, unsigned ones too, and nothing else", async () => {
  const token = await mintToken(SECRET, { tenant: "acme", rights: ["append", "read"] });
  assert.deepEqual(unverifiedRights(token), ["append", "read"]);
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  // Not verified: a forged token reads the same (the server refuses it).
  assert.deepEqual(
    unverifiedRights(`${encode({ alg: "none" })}.${encode({ rights: ["admin"] })}.`),
    [
      "admin",
    ],
  );
  for (
    const bad of [
      "",
      "abc",
      "a.%%%.c",
      `a.${encode({ rights: "admin" })}.c`,
      `a.${encode({ rights: ["admin", "root"] })}.c`,
      `a.${encode(["admin"])}.c`,
      `a.${btoa("{not json").replace(/=+$/, "")}.c`,
    ]
  ) {
    assert.equal(unverifiedRights(bad), undefined, bad);
  }
});
