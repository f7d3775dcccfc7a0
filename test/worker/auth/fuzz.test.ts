// Hostile input, generated: thousands of malformed requests, each built from a valid request
// of a route of PROTOCOL.md with one to three "poisons" that each make it invalid on their
// own (a refused token, a bad name, a wrong method or route, a bad query, header or body)
// and "decorations" that change nothing (balanced dot segments, junk headers, ...). Every
// answer must be a 4xx JSON error, in time; afterwards the two pre-filled logs (the token's
// own and another tenant's) hold exactly what they held before.
//
// FUZZ_RUNS=n npm run test:worker sets the number of requests (default below).
import { env, runInDurableObject, SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { RIGHTS, routeRights } from "../../../src/protocol/token.ts";
import { STATUS_BY_CODE } from "../../../src/protocol/errors.ts";
import { encodeBatch } from "../../../src/protocol/wire.ts";
import { BASE } from "../helpers.ts";
import { type Snapshot, snapshot } from "./routes.ts";
import { allRights, epoch, fetchWorker, forge, token, unsigned } from "./tokens.ts";

const DEFAULT_RUNS = 5000;
const RUNS = Number(env.FUZZ_RUNS) > 0 ? Number(env.FUZZ_RUNS) : DEFAULT_RUNS;
/** An answer slower than this is a hang. */
const TIMEOUT_MS = 10_000;
/**
 * Every this-many-th request goes through SELF.fetch, up to SELF_MAX of them; the others go
 * to the handler directly (SELF.fetch slows with every call: cloudflare/workers-sdk#15446).
 */
const SELF_EVERY = 25;
const SELF_MAX = 60;

const OWN = "fuzz/prefilled";
const VICTIM = "victim/prefilled";
/** Other logs of the fuzz tenant the requests may name (few: each is an object). */
const OTHERS = ["fuzz/other-1", "fuzz/other-2"];
/** The pre-filled logs' maximum record size: small, so that too-large bodies are cheap. */
const MAX_RECORD = 64;

/** Methods the runtime accepts (workerd refuses others in the Request constructor). */
const METHODS = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "OPTIONS",
  "PATCH",
  "TRACE",
  "PROPFIND",
  "MKCOL",
  "COPY",
  "MOVE",
  "LOCK",
  "PURGE",
  "QUERY",
  "SEARCH",
];

/** Header names whose meaning poisons cover; decorations never set them. */
const MEANINGFUL = new Set([
  "authorization",
  "origin",
  "upgrade",
  "content-type",
  "content-length",
  "edgelog-expected-offset",
  "sec-websocket-protocol",
  "host",
  "transfer-encoding",
  "connection",
]);

/** Integers as they must never be accepted in a path, query or header. */
const BAD_INTEGERS = [
  "-1",
  "1e309",
  "1e3",
  "NaN",
  "0x10",
  "0b1",
  "0o7",
  "18446744073709551616",
  "9007199254740992",
  "99999999999999999999999",
  "",
  "+1",
  "1.0",
  "1.",
  ".5",
  "Infinity",
  "-0",
  "1_0",
  "1,0",
  "1 2",
  "٣",
  "１",
  "9".repeat(1000),
];

interface Built {
  method: string;
  /** The log name, raw (may be poisoned). */
  name: string;
  /** The route after the name, raw, from "/" ("" for the log itself). */
  route: string;
  query: Array<[string, string]>;
  headers: Array<[string, string]>;
  body: Uint8Array | string | undefined;
  /** Dot-segment pairs to insert into the path: [segment index, segments]. */
  dots: Array<[number, string[]]>;
  poisons: string[];
}

interface Template {
  label: string;
  method: string;
  route: string;
  query: Array<[string, string]>;
  /** Query parameters the route reads. */
  params: string[];
  headers: Array<[string, string]>;
  body?: () => Uint8Array | string;
  /** The route reads its body (so a bad body or Content-Length poisons it). */
  readsBody: "record" | "batch" | "config" | false;
  appends?: boolean;
  tail?: boolean;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const BATCH_TYPE: [string, string] = ["content-type", "application/vnd.edgelog.batch"];

/** A valid request of every route, against OWN. */
const TEMPLATES: Template[] = [
  {
    label: "append",
    method: "POST",
    route: "/records",
    query: [],
    params: ["expected"],
    headers: [],
    body: () => bytes("data"),
    readsBody: "record",
    appends: true,
  },
  {
    label: "batch",
    method: "POST",
    route: "/batch",
    query: [],
    params: ["expected"],
    headers: [BATCH_TYPE],
    body: () => encodeBatch([bytes("a"), bytes("b")]),
    readsBody: "batch",
    appends: true,
  },
  {
    label: "read one",
    method: "GET",
    route: "/records/1",
    query: [],
    params: [],
    headers: [],
    readsBody: false,
  },
  {
    label: "read batch",
    method: "GET",
    route: "/records",
    query: [["from", "0"], ["limit", "2"]],
    params: ["from", "limit"],
    headers: [],
    readsBody: false,
  },
  ...["/bounds", "/range", "/config"].map((route): Template => ({
    label: `GET ${route}`,
    method: "GET",
    route,
    query: [],
    params: [],
    headers: [],
    readsBody: false,
  })),
  {
    label: "config",
    method: "PUT",
    route: "/config",
    query: [],
    params: [],
    headers: [],
    body: () => JSON.stringify({ maxRecordSize: MAX_RECORD }),
    readsBody: "config",
  },
  {
    label: "truncate",
    method: "POST",
    route: "/truncate",
    query: [["before", "0"]],
    params: ["before"],
    headers: [],
    readsBody: false,
  },
  {
    label: "delete records",
    method: "DELETE",
    route: "/records",
    query: [["before", "0"]],
    params: ["before"],
    headers: [],
    readsBody: false,
  },
  {
    label: "delete log",
    method: "DELETE",
    route: "",
    query: [],
    params: [],
    headers: [],
    readsBody: false,
  },
  {
    label: "tail",
    method: "GET",
    route: "/tail",
    query: [["from", "0"]],
    params: ["from"],
    headers: [["upgrade", "websocket"]],
    readsBody: false,
    tail: true,
  },
];

/** A change to a request, labelled for the failure report. */
type Change = (b: Built) => void;

// Header values must be ByteStrings without control characters; fetch trims them.
const headerText = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,40}[\x21-\x7e]$/);
const junkSegment = fc.stringMatching(/^[A-Za-z0-9_~-]{1,12}$/);

/** Poisons for `t`, each invalid on its own whatever else the request holds. */
function poisons(t: Template, tokens: Tokens): fc.Arbitrary<Change>[] {
  const list: fc.Arbitrary<Change>[] = [
    // A token that is refused (401) or that does not cover the log (403).
    fc.constantFrom(...tokens.refused).map(([label, jwt]): Change => (b) => {
      b.poisons.push(`token: ${label}`);
      b.headers = b.headers.filter(([k]) => k !== "authorization");
      if (jwt !== undefined) b.headers.push(["authorization", jwt]);
    }),
    // A log name that breaks a rule (400), or climbs out of the tenant (403).
    fc.oneof(
      fc.integer({ min: 196, max: 600 }).map((n) => `fuzz/${"n".repeat(n)}`),
      // Characters outside the alphabet: raw where a URL allows them, else percent-encoded.
      fc.tuple(junkSegment, fc.constantFrom(..."!$&'()*+,;=:@[]^|"), fc.boolean()).map((
        [s, c, raw],
      ) => `fuzz/${s}${raw ? c : encodeURIComponent(c)}x`),
      fc.tuple(junkSegment, fc.constantFrom(...'%"<>`{} #?\\')).map(([s, c]) =>
        `fuzz/${s}${encodeURIComponent(c)}x`
      ),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 })
        .filter((s) => [...s].some((c) => c.codePointAt(0)! > 0x7f))
        .map((s) => `fuzz/${encodeURIComponent(s)}`),
      fc.constantFrom(
        "fuzz//prefilled",
        "fuzz/prefilled//",
        "fuzz%2Fprefilled",
        "fuzz/pre%66illed",
        "fuzz/..%2fvictim",
        "fuzz/%2e%2e%2fvictim/prefilled",
        "fuzz/..%5cvictim/prefilled",
        "fuzz/%c0%ae%c0%ae/victim/prefilled",
        "fuzz/%00",
        "fuzz/a%0d%0ab",
        "fuzz",
        "fuzz/../victim/prefilled",
        "fuzz/%2e%2e/victim/prefilled",
        "fuzz/.%2E/victim/prefilled",
        "x/../../victim/prefilled",
        "victim/prefilled",
        // Not "zz-other/...": the refused-token poison's "other tenant" covers that tenant,
        // and the two poisons together would make a valid request.
        "zz-nobody/prefilled",
        "Fuzz/prefilled",
      ),
    ).map((name): Change => (b) => {
      b.poisons.push(`name: ${name.slice(0, 60)}`);
      b.name = name;
    }),
    // A method the route does not take (405).
    fc.constantFrom(...METHODS.filter((m) => !takes(t.route, m))).map((method): Change => (b) => {
      b.poisons.push(`method: ${method}`);
      b.method = method;
      // The runtime's fetch sends every WebSocket upgrade as a GET, whatever the method says.
      b.headers = b.headers.filter(([k]) => k !== "upgrade");
    }),
    // A route that does not exist (404).
    fc.oneof(
      fc.constantFrom(
        "/records/1/x",
        "/records/",
        "/records//",
        "/bounds/",
        "/bounds/x",
        "/range/1",
        "/config/x",
        "/truncate/",
        "/batch/1",
        "/tail/",
        "/tail/x",
      ),
      junkSegment.map((s) => `/records/1/${s}`),
    ).map((route): Change => (b) => {
      b.poisons.push(`route: ${route}`);
      b.route = route;
    }),
    // A query parameter the route does not know, or twice, or malformed (400).
    fc.oneof(
      junkSegment.filter((k) => !["from", "limit", "expected", "before"].includes(k))
        .map((k): [string, string, string] => ["unknown", k, "1"]),
      ...(t.params.length === 0 ? [] : [
        fc.tuple(fc.constantFrom(...t.params), fc.constantFrom(...BAD_INTEGERS))
          .map(([k, v]): [string, string, string] => ["malformed", k, v]),
        fc.constantFrom(...t.params).map((k): [string, string, string] => ["twice", k, "0"]),
      ]),
      ...(t.params.includes("limit")
        ? [
          fc.constantFrom("0", "1001", "5000").map((v): [string, string, string] => [
            "out of range",
            "limit",
            v,
          ]),
        ]
        : []),
    ).map(([kind, key, value]): Change => (b) => {
      b.poisons.push(`query ${kind}: ${key}=${value.slice(0, 20)}`);
      if (kind === "twice") b.query.push([key, value], [key, value]);
      else {
        b.query = b.query.filter(([k]) => k !== key);
        b.query.push([key, value]);
      }
    }),
    // An Origin outside CORS_ORIGINS, which this project leaves empty (403).
    fc.oneof(fc.constantFrom("null", "https://evil.example", "http://127.0.0.1:8787"), headerText)
      .map((origin): Change => (b) => {
        b.poisons.push(`origin: ${origin}`);
        b.headers.push(["origin", origin]);
      }),
  ];
  if (t.appends) {
    list.push(
      fc.oneof(
        fc.constantFrom(...BAD_INTEGERS.filter((v) => /^[\x20-\x7e]*$/.test(v))).filter((v) =>
          v.trim() === v
        ),
        // Taken (409) or past the end (400): the pre-filled log ends at 5.
        fc.constantFrom("0", "4", "6", "99999"),
      ).map((value): Change => (b) => {
        b.poisons.push(`expected header: ${value.slice(0, 20)}`);
        b.headers.push(["edgelog-expected-offset", value]);
      }),
      fc.constant((b: Built) => {
        b.poisons.push("expected twice: header and query");
        b.headers.push(["edgelog-expected-offset", "5"]);
        b.query.push(["expected", "5"]);
      }),
    );
  }
  if (t.readsBody) {
    list.push(
      fc.constantFrom("abc", "-1", "1e3", "5, 5", "0x10", "99999999999", "0", "1").map(
        (value): Change => (b) => {
          b.poisons.push(`content-length: ${value}`);
          if (b.body === undefined) b.body = "";
          const size = typeof b.body === "string" ? bytes(b.body).byteLength : b.body.byteLength;
          // "0" and "1" are lies only when the body is longer.
          if (/^[01]$/.test(value) && size <= Number(value)) b.body = "xxxx";
          b.headers.push(["content-length", value]);
        },
      ),
    );
  }
  if (t.readsBody === "record") {
    list.push(
      fc.oneof(
        fc.constant(new Uint8Array(0)),
        fc.uint8Array({ minLength: MAX_RECORD + 1, maxLength: 400 }),
      ).map((body): Change => (b) => {
        b.poisons.push(`record of ${body.byteLength} bytes`);
        b.body = body;
      }),
    );
  }
  if (t.readsBody === "batch") {
    const record = fc.uint8Array({ minLength: 1, maxLength: 16 });
    list.push(
      fc.oneof(
        fc.constant(new Uint8Array(0)),
        // A truncated length prefix after valid records.
        fc.tuple(fc.array(record, { maxLength: 3 }), fc.uint8Array({ minLength: 1, maxLength: 3 }))
          .map(([rs, tail]) => concat(encodeBatch(rs), tail)),
        // A length longer than what follows.
        fc.tuple(
          fc.array(record, { maxLength: 3 }),
          fc.integer({ min: 1, max: 0xffffffff }),
          record,
        )
          .filter(([, n, r]) => n > r.byteLength)
          .map(([rs, n, r]) => {
            const prefix = new Uint8Array(4);
            new DataView(prefix.buffer).setUint32(0, n);
            return concat(encodeBatch(rs), prefix, r);
          }),
        // An empty record among valid ones.
        fc.tuple(fc.array(record, { maxLength: 3 }), fc.array(record, { maxLength: 3 }))
          .map(([a, c]) => encodeBatch([...a, new Uint8Array(0), ...c])),
        // A record over the log's maximum.
        fc.uint8Array({ minLength: MAX_RECORD + 1, maxLength: 300 }).map((r) => encodeBatch([r])),
        // More than 1000 records.
        fc.integer({ min: 1001, max: 1100 }).map((n) =>
          encodeBatch(Array.from({ length: n }, () => bytes("r")))
        ),
      ).map((body): Change => (b) => {
        b.poisons.push(`batch body of ${body.byteLength} bytes`);
        b.body = body;
      }),
      fc.constantFrom(
        "text/plain",
        "application/octet-stream",
        "application/vnd.edgelog.batch2",
        "application/vnd.edgelog",
        "application/json",
        "",
        "multipart/form-data; boundary=x",
      ).map((type): Change => (b) => {
        b.poisons.push(`content-type: ${type}`);
        b.headers = b.headers.filter(([k]) => k !== "content-type");
        b.headers.push(["content-type", type]);
      }),
    );
  }
  if (t.readsBody === "config") {
    // Finite only: JSON.stringify turns NaN and Infinity into null, a valid maxSegmentSize.
    const badNumber = fc.oneof(
      fc.constantFrom(0, -1, 1.5, 1_999_001, 2 ** 53, -(2 ** 53), 1e308),
      fc.double().filter((n) => Number.isFinite(n) && !Number.isSafeInteger(n)),
    );
    const notAValue = fc.oneof(
      fc.string(),
      fc.boolean(),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(junkSegment, fc.integer(), { maxKeys: 2 }),
    ).filter((v) => v !== "Infinity");
    list.push(
      fc.oneof(
        fc.constantFrom(
          "",
          "{",
          "null",
          "[]",
          "42",
          '"maxRecordSize"',
          "{maxRecordSize: 64}",
          "{}x",
        )
          .map((s) => ["malformed JSON", s] as const),
        fc.string({ maxLength: 30 }).filter((s) => !isJsonObject(s))
          .map((s) => ["not a JSON object", s] as const),
        fc.oneof(badNumber, notAValue, fc.constant(null)).map((v) =>
          ["bad maxRecordSize", JSON.stringify({ maxRecordSize: v })] as const
        ),
        fc.oneof(
          badNumber.filter((n) => !(n > 0)),
          badNumber.filter((n) => n > 0 && !Number.isSafeInteger(n)),
          notAValue,
        )
          .map((v) => ["bad maxSegmentSize", JSON.stringify({ maxSegmentSize: v })] as const),
        fc.tuple(junkSegment, fc.jsonValue()).filter(([k]) =>
          !["maxRecordSize", "maxSegmentSize"].includes(k)
        )
          .map(([k, v]) => ["unknown field", JSON.stringify({ [k]: v })] as const),
        fc.integer({ min: 4097, max: 20_000 }).map((n) =>
          ["over 4096 bytes", `{"maxRecordSize":${MAX_RECORD}${" ".repeat(n)}}`] as const
        ),
      ).map(([kind, body]): Change => (b) => {
        b.poisons.push(`config: ${kind}: ${body.slice(0, 40)}`);
        b.body = body;
      }),
    );
  }
  if (t.tail) {
    list.push(
      fc.constantFrom(undefined, "h2c", "websocket2", "web socket", "websocket, h2c", "").map(
        (upgrade): Change => (b) => {
          b.poisons.push(`upgrade: ${String(upgrade)}`);
          b.headers = b.headers.filter(([k]) => k !== "upgrade");
          if (upgrade !== undefined) b.headers.push(["upgrade", upgrade]);
        },
      ),
    );
  }
  return list;
}

/** Changes that leave a request's meaning as it was. */
function decorations(t: Template): fc.Arbitrary<Change>[] {
  return [
    // Dot segments the URL parser removes again: "x/..", "%2e", ".", "é/%2E%2E".
    fc.tuple(
      fc.nat(8),
      fc.oneof(
        fc.constantFrom<string[]>(["."], ["%2e"], ["%2E"]),
        fc.tuple(
          fc.oneof(junkSegment, fc.constantFrom("%2e%2e%2f", "é", "%00")),
          fc.constantFrom("..", "%2e%2e", ".%2E", "%2E."),
        ).map(([s, d]) => [s, d]),
      ),
    ).map(([at, segments]): Change => (b) => {
      b.dots.push([at, [...segments]]);
    }),
    // Headers the API ignores, up to 64 KiB long, some many times over.
    fc.tuple(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((k) => !MEANINGFUL.has(k)),
      fc.oneof(headerText, fc.integer({ min: 1, max: 65_536 }).map((n) => "h".repeat(n))),
      fc.integer({ min: 1, max: 20 }),
    ).map(([key, value, times]): Change => (b) => {
      for (let i = 0; i < times; i++) b.headers.push([key, value]);
    }),
    // A subprotocol list without a token.
    fc.array(fc.stringMatching(/^[a-z][a-z0-9.]{0,12}$/), { minLength: 1, maxLength: 50 })
      .filter((ps) => ps.every((p) => !p.startsWith("edgelog.bearer.")))
      .map((ps): Change => (b) => {
        b.headers.push(["sec-websocket-protocol", ps.join(", ")]);
      }),
    // A body where the route reads none (with methods that may carry one).
    ...(t.readsBody === false
      ? [
        fc.uint8Array({ maxLength: 2048 }).map((body): Change => (b) => {
          b.body = body;
        }),
      ]
      : []),
  ];
}

interface Tokens {
  /** Authorization values that are refused: 401, or 403 for a valid token of another scope. */
  refused: Array<[string, string | undefined]>;
  /** A valid Authorization value for the fuzz tenant, every right. */
  valid: string;
  /** A valid token of the tenant "chaos", every right. */
  chaos: string;
}

/** The generator of malformed requests: built once, as building arbitraries is costly. */
function requests(tokens: Tokens): fc.Arbitrary<Built> {
  return fc.oneof(...TEMPLATES.map((t) =>
    fc.record({
      name: fc.constantFrom(OWN, OWN, OWN, ...OTHERS),
      poisons: fc.array(fc.oneof(...poisons(t, tokens)), { minLength: 1, maxLength: 3 }),
      decorations: fc.array(fc.oneof(...decorations(t)), { maxLength: 3 }),
    }).map(({ name, poisons, decorations }) => {
      const b: Built = {
        method: t.method,
        name,
        route: t.route,
        query: t.query.map(([k, v]) => [k, v]),
        headers: [...t.headers.map(([k, v]): [string, string] => [k, v]), [
          "authorization",
          tokens.valid,
        ]],
        body: t.body?.(),
        dots: [],
        poisons: [],
      };
      for (const change of decorations) change(b);
      for (const change of poisons) change(b);
      return b;
    })
  ));
}

/** Path segments of arbitrary requests: route words, traversal, encodings, numbers. */
const CHAOS_SEGMENTS = fc.oneof(
  fc.constantFrom(
    "logs",
    "chaos",
    "fuzz",
    "victim",
    "prefilled",
    "other-1",
    "records",
    "batch",
    "bounds",
    "range",
    "config",
    "truncate",
    "tail",
    "healthz",
    "..",
    ".",
    "%2e%2e",
    "%2E",
    "",
    "%00",
    "%2f",
    "%25",
    "é",
    "😀",
    "\u202e",
    "a".repeat(250),
    "0",
    "1",
  ),
  fc.constantFrom(...BAD_INTEGERS).map(encodeURIComponent),
  // Few valid names: every log named is a Durable Object, and each one slows the run.
  fc.constantFrom("a", "b-1", "x_y~z"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 6 }).map(encodeURIComponent)
    .filter((s) => s.includes("%")),
);

/**
 * Arbitrary requests, valid or not, with a valid token of the tenant "chaos" (or none):
 * whatever they do to chaos's logs, they never change another tenant's.
 */
function chaos(tokens: Tokens): fc.Arbitrary<Built> {
  const value = fc.oneof(fc.constantFrom(...BAD_INTEGERS), fc.constantFrom("0", "1", "2", "5"));
  return fc.record({
    method: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE") },
      { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
    ),
    segments: fc.oneof(
      fc.array(CHAOS_SEGMENTS, { minLength: 1, maxLength: 8 }),
      // Requests aimed at a log of chaos, fuzz or victim, maybe with segments slipped in.
      fc.tuple(
        fc.constantFrom("chaos", "fuzz", "victim"),
        fc.constantFrom("prefilled", "other-1", "a"),
        fc.constantFrom("records", "batch", "bounds", "range", "config", "truncate", "tail", ""),
        fc.array(fc.tuple(fc.nat(5), CHAOS_SEGMENTS), { maxLength: 2 }),
      ).map(([tenant, name, route, slipped]) => {
        const segments = ["logs", tenant, name, ...(route === "" ? [] : route.split("/"))];
        for (const [at, segment] of slipped) segments.splice(1 + at, 0, segment);
        return segments;
      }),
    ),
    query: fc.array(
      fc.tuple(fc.constantFrom("from", "limit", "expected", "before", "x", ""), value),
      { maxLength: 3 },
    ),
    headers: fc.array(
      fc.oneof(
        fc.tuple(fc.constant("upgrade"), fc.constantFrom("websocket", "h2c", "")),
        fc.tuple(
          fc.constant("content-type"),
          fc.constantFrom("application/vnd.edgelog.batch", "application/json", "text/plain"),
        ),
        fc.tuple(
          fc.constant("edgelog-expected-offset"),
          value.filter((v) => /^[\x21-\x7e]*$/.test(v)),
        ),
        fc.tuple(fc.constant("content-length"), fc.constantFrom("0", "1", "4", "abc", "99999999")),
        fc.tuple(
          fc.constant("sec-websocket-protocol"),
          fc.constantFrom("edgelog", "edgelog, chat", `edgelog, edgelog.bearer.${tokens.chaos}`),
        ),
        fc.tuple(fc.constant("origin"), fc.constantFrom("null", "https://a.example")),
        fc.tuple(fc.stringMatching(/^x-[a-z]{1,8}$/), headerText),
      ),
      { maxLength: 4 },
    ),
    token: fc.constantFrom(`Bearer ${tokens.chaos}`, `Bearer ${tokens.chaos}`, undefined),
    body: fc.oneof(
      fc.constant(undefined),
      fc.uint8Array({ maxLength: 200 }),
      fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 5 }).map((rs) => encodeBatch(rs)),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    ),
  }).map(({ method, segments, query, headers, token, body }): Built => ({
    method,
    // The whole path is in `route`: `name` stays empty.
    name: "",
    route: segments.join("/"),
    query,
    headers: token === undefined ? headers : [...headers, ["authorization", token]],
    body,
    dots: [],
    poisons: ["chaos"],
  }));
}

/** Whether the route serves `method` (HEAD as GET). */
function takes(route: string, method: string): boolean {
  const rights = routeRights(route === "" ? "/" : route) ?? {};
  return Object.hasOwn(rights, method === "HEAD" ? "GET" : method);
}

function path(b: Built): string {
  const segments = b.name === ""
    ? b.route.split("/")
    : ["logs", ...`${b.name}${b.route}`.split("/")];
  for (const [at, dots] of b.dots) segments.splice(Math.min(at, segments.length), 0, ...dots);
  const query = b.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return `/${segments.join("/")}${query.length === 0 ? "" : `?${query.join("&")}`}`;
}

let sent = 0;
let viaSelfCount = 0;
const failures: string[] = [];

/** What an answer must be: a 4xx JSON error, or (chaos) anything but a 5xx or a hang. */
type Rule = "malformed" | "chaos";

async function check(b: Built, rule: Rule): Promise<void> {
  const url = path(b);
  const init: RequestInit = { method: b.method, headers: b.headers };
  if (b.body !== undefined && !["GET", "HEAD"].includes(b.method)) init.body = b.body;
  const viaSelf = sent % SELF_EVERY === 0 && viaSelfCount < SELF_MAX;
  if (viaSelf) viaSelfCount++;
  sent++;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  const describe = () =>
    `${b.method} ${url.slice(0, 200)} [${b.poisons.join("; ")}]${viaSelf ? " (SELF)" : ""}`;
  try {
    const res = await Promise.race([
      viaSelf ? SELF.fetch(BASE + url, init) : fetchWorker(url, init),
      hang,
    ]);
    if (res.webSocket) {
      res.webSocket.accept();
      res.webSocket.close(1000);
    }
    const text = await Promise.race([res.text(), hang]);
    const problem = rule === "chaos" && res.status < 400
      ? undefined
      : answerProblem(res, text, b.method, rule);
    if (problem !== undefined) {
      failures.push(`${describe()}: ${problem}`);
      throw new Error(`${describe()}: ${problem}`);
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** What is wrong with an answer to a malformed request, if anything. */
function answerProblem(
  res: Response,
  text: string,
  method: string,
  rule: Rule,
): string | undefined {
  if (res.status > 499 || (rule === "malformed" && res.status < 400)) {
    return `status ${res.status}: ${text.slice(0, 300)}`;
  }
  if (res.headers.get("content-type") !== "application/json") {
    return `content-type ${res.headers.get("content-type")}`;
  }
  if (res.headers.get("x-content-type-options") !== "nosniff") return "no nosniff";
  if (method === "HEAD") return text === "" ? undefined : "a body in a HEAD answer";
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 200)}`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (
    typeof error?.code !== "string" || typeof error.message !== "string" || error.message === ""
  ) {
    return `not an error body: ${text.slice(0, 200)}`;
  }
  if (STATUS_BY_CODE[error.code] !== res.status) {
    return `code ${error.code} with status ${res.status}`;
  }
  return undefined;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function isJsonObject(s: string): boolean {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

let tokens: Tokens;
/** Every log the requests may name, with a token that may read it, and what it held. */
const logs: Array<{ name: string; jwt: string; before?: Snapshot }> = [];

beforeAll(async () => {
  const fuzzAdmin = await allRights("fuzz");
  const victimAdmin = await allRights("victim");
  const claims = { tenant: "fuzz", rights: [...RIGHTS], iat: epoch(), exp: epoch(600) };
  const refused: Array<[string, string | undefined]> = [
    ["none", undefined],
    ["expired", `Bearer ${await forge({ alg: "HS256" }, { ...claims, exp: epoch(-5) })}`],
    ["bad signature", `Bearer ${await forge({ alg: "HS256" }, claims, "x".repeat(40))}`],
    ["alg none", `Bearer ${unsigned(claims)}`],
    ["RS256", `Bearer ${await forge({ alg: "RS256" }, claims)}`],
    ["no rights", `Bearer ${await forge({ alg: "HS256" }, { ...claims, rights: [] })}`],
    ["garbage", "Bearer a.b.c"],
    ["huge", `Bearer ${"a".repeat(70_000)}`],
    ["basic", "Basic ZnV6ejpmdXp6"],
    ["other tenant", `Bearer ${await allRights("zz-other")}`],
    [
      "narrow prefix",
      `Bearer ${await token({ tenant: "fuzz", logs: "fuzz/nothing/", rights: RIGHTS })}`,
    ],
    ["lowercase token", `Bearer ${fuzzAdmin.toLowerCase()}`],
  ];
  tokens = { refused, valid: `Bearer ${fuzzAdmin}`, chaos: await allRights("chaos") };

  logs.push(
    ...[OWN, ...OTHERS].map((name) => ({ name, jwt: fuzzAdmin })),
    { name: VICTIM, jwt: victimAdmin },
  );
  for (const log of logs) {
    const auth = { authorization: `Bearer ${log.jwt}` };
    const config = await fetchWorker(`/logs/${log.name}/config`, {
      method: "PUT",
      headers: auth,
      body: JSON.stringify({ maxRecordSize: MAX_RECORD }),
    });
    expect(config.status).toBe(200);
    const fill = await fetchWorker(`/logs/${log.name}/batch`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/vnd.edgelog.batch" },
      body: encodeBatch([
        bytes("zero"),
        new Uint8Array([0, 255, 10, 13]),
        bytes("ü"),
        bytes("3"),
        bytes("four"),
      ]),
    });
    expect(await fill.json()).toEqual({ first: 0, last: 4, count: 5 });
    log.before = await snapshot(log.name, log.jwt);
  }
});

async function expectLogsUnchanged(): Promise<void> {
  for (const log of logs) {
    expect(await snapshot(log.name, log.jwt), log.name).toEqual(log.before);
    const stub = env.LOGS.get(env.LOGS.idFromName(log.name));
    const tails = await runInDurableObject(stub, (_o, state) => state.getWebSockets("tail").length);
    expect(tails, `tails of ${log.name}`).toBe(0);
  }
}

async function run(label: string, arbitrary: fc.Arbitrary<Built>, rule: Rule): Promise<void> {
  const started = Date.now();
  const first = sent;
  failures.length = 0;
  viaSelfCount = 0;
  try {
    await fc.assert(fc.asyncProperty(arbitrary, (b) => check(b, rule)), { numRuns: RUNS });
  } finally {
    console.log(
      `fuzz (${label}): ${sent - first} requests (${viaSelfCount} through SELF) in ` +
        `${Date.now() - started} ms, ` +
        `${failures.length} failing` +
        (failures.length === 0 ? "" : `:\n  ${[...new Set(failures)].slice(0, 20).join("\n  ")}`),
    );
  }
  await expectLogsUnchanged();
}

it(`${RUNS} malformed requests: every answer a 4xx JSON error, no log changed`, async () => {
  await run("malformed", requests(tokens), "malformed");
});

it(`${RUNS} arbitrary requests of another tenant: never a 5xx or a hang, no log changed`, async () => {
  await run("chaos", chaos(tokens), "chaos");
});
