// The route table of src/protocol/routes.ts against PROTOCOL.md: every route heading of the document
// ("## Routes" and the live tail's heading) is in ROUTE_RIGHTS, every entry of ROUTE_RIGHTS is
// documented, the right of each is the one "Rights per route" (Authentication) gives, and the
// query parameters of each are the ones its section names.
import assert from "node:assert/strict";
import {
  allowedMethods,
  CONSOLE_PATH,
  HEALTH_PATH,
  requiredRight,
  type Right,
  RIGHTS,
  ROUTE_RIGHTS,
  ROUTE_SEGMENTS,
  type RoutePattern,
  routePattern,
  routeQuery,
} from "./routes.ts";

const PROTOCOL = await Deno.readTextFile(new URL("../../PROTOCOL.md", import.meta.url));
const LINES = PROTOCOL.split("\n");
const LOG_PREFIX = "/logs/{name}";
const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

/** The code spans of a line of Markdown. */
const codeSpans = (line: string): string[] => [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** `METHOD /path?query` as `METHOD /path`, or `undefined` for another code span. */
function route(span: string): { method: string; path: string } | undefined {
  const match = /^([A-Z]+) (\/\S*)$/.exec(span);
  if (match === null || !METHODS.includes(match[1]!)) return undefined;
  return { method: match[1]!, path: match[2]!.split("?")[0]! };
}

/** A path below `/logs/{name}` as the table names it (`/` for the log itself). */
function inLog(path: string): string | undefined {
  if (path === LOG_PREFIX) return "/";
  return path.startsWith(`${LOG_PREFIX}/`) ? path.slice(LOG_PREFIX.length) : undefined;
}

/** The route headings: `###` under "## Routes", and each later `##` that names a route. */
function routeHeadings(): string[] {
  const start = LINES.indexOf("## Routes");
  assert.notEqual(start, -1, 'PROTOCOL.md has a "## Routes" section');
  const headings: string[] = [];
  let inRoutes = true;
  for (const line of LINES.slice(start + 1)) {
    if (line.startsWith("## ")) {
      inRoutes = false;
      if (codeSpans(line).some((s) => route(s) !== undefined)) headings.push(line);
    } else if (inRoutes && line.startsWith("### ")) headings.push(line);
  }
  return headings;
}

/** Every `METHOD route` the route headings document, and the non-log routes apart. */
function documentedRoutes(): { log: Set<string>; other: Set<string> } {
  const log = new Set<string>();
  const other = new Set<string>();
  for (const heading of routeHeadings()) {
    // "### `A` and `B`: what it does": every code span of a route heading is a route.
    const spans = codeSpans(heading);
    assert(spans.length > 0, `a route heading names a route: ${heading}`);
    for (const span of spans) {
      const r = route(span);
      assert(r !== undefined, `"${span}" in "${heading}" is METHOD /path`);
      const path = inLog(r.path);
      if (path === undefined) other.add(`${r.method} ${r.path}`);
      else log.add(`${r.method} ${path}`);
    }
  }
  return { log, other };
}

/** Every `METHOD route` of ROUTE_RIGHTS with its right. */
function tableRoutes(): Map<string, Right> {
  return new Map(
    Object.entries(ROUTE_RIGHTS).flatMap(([path, methods]) =>
      Object.entries(methods).map((
        [method, right],
      ): [string, Right] => [`${method} ${path}`, right])
    ),
  );
}

/**
 * "Rights per route" of the Authentication section: `**right** for ...` clauses split by
 * `;`. A clause's bare methods (`GET`) apply to its bare paths (`/bounds`) and to "the tail";
 * `METHOD /path` names a route by itself.
 */
function documentedRights(): Map<string, Right> {
  const start = LINES.findIndex((l) => l.startsWith("Rights per route:"));
  assert.notEqual(start, -1, 'PROTOCOL.md has a "Rights per route" paragraph');
  const end = LINES.indexOf("", start);
  const paragraph = LINES.slice(start, end).join(" ").replace(/`src\/protocol\/token\.ts`.*$/, "");
  const rights = new Map<string, Right>();
  for (const clause of paragraph.split(";")) {
    const match = /\*\*([a-z]+)\*\* for (.*)/.exec(clause);
    assert(match !== null, `a clause names its right: "${clause}"`);
    const right = match[1] as Right;
    assert(RIGHTS.includes(right), `"${right}" is a right`);
    const spans = codeSpans(match[2]!);
    const methods = spans.filter((s) => METHODS.includes(s) && s !== "HEAD");
    const paths = spans.filter((s) => s.startsWith("/"));
    if (/\bthe tail\b/.test(match[2]!)) paths.push("/tail");
    for (const path of paths) {
      assert(methods.length > 0, `a bare path has its clause's methods: "${clause}"`);
      for (const method of methods) rights.set(`${method} ${path.split("?")[0]}`, right);
    }
    for (const span of spans) {
      const r = route(span);
      if (r === undefined) continue;
      rights.set(`${r.method} ${inLog(r.path) ?? r.path}`, right);
    }
  }
  return rights;
}

Deno.test("every route heading of PROTOCOL.md is in ROUTE_RIGHTS, with a right", () => {
  const { log, other } = documentedRoutes();
  const table = tableRoutes();
  const missing = [...log].filter((r) => !table.has(r));
  assert.deepEqual(missing, [], "documented routes missing from ROUTE_RIGHTS");
  for (const r of log) assert(RIGHTS.includes(table.get(r)!), `${r} needs a right`);
  // The routes outside /logs/{name}: no token, so no right.
  assert.deepEqual([...other], [`GET ${HEALTH_PATH}`, `GET ${CONSOLE_PATH}/`]);
  assert.equal(requiredRight("GET", "/healthz"), undefined);
  assert.equal(requiredRight("GET", `${CONSOLE_PATH}/`), undefined);
});

Deno.test("every entry of ROUTE_RIGHTS has a route heading in PROTOCOL.md", () => {
  const { log } = documentedRoutes();
  const undocumented = [...tableRoutes().keys()].filter((r) => !log.has(r));
  assert.deepEqual(undocumented, [], "ROUTE_RIGHTS entries PROTOCOL.md does not document");
});

Deno.test("each route's right in ROUTE_RIGHTS is the one PROTOCOL.md gives", () => {
  const documented = documentedRights();
  const table = tableRoutes();
  assert.deepEqual(
    Object.fromEntries([...table].sort()),
    Object.fromEntries([...documented].sort()),
  );
  // "(and `HEAD`)": HEAD needs what GET needs.
  for (const [r, right] of table) {
    const [method, path] = r.split(" ") as [string, string];
    if (method !== "GET") continue;
    assert.equal(requiredRight("HEAD", path.replace("{offset}", "0")), right, `HEAD ${path}`);
  }
});

Deno.test("the parse of PROTOCOL.md finds what it should", () => {
  const headings = routeHeadings();
  // Two headings list two routes each, and the tail's heading is a "##" one.
  assert(headings.some((h) => h.includes("` and `")), "a heading joins two routes with and");
  assert(headings.some((h) => h.startsWith("## ")), "the tail's heading");
  assert.equal(documentedRoutes().log.size, tableRoutes().size);
});

Deno.test("`ROUTE_SEGMENTS` are the route words of PROTOCOL.md's Log names", () => {
  const line = LINES.find((l) => l.includes("may not be one of the route words"));
  assert(line !== undefined);
  const start = LINES.indexOf(line);
  const words = codeSpans(LINES.slice(start, start + 2).join(" ")).filter((s) =>
    /^[a-z]+$/.test(s)
  );
  assert.deepEqual([...ROUTE_SEGMENTS].sort(), words.sort());
});

Deno.test("`allowedMethods()` lists a route's methods in the table's order", () => {
  assert.equal(allowedMethods("/records"), "GET, POST, DELETE");
  assert.equal(allowedMethods("/records/7"), "GET");
  assert.equal(allowedMethods("/records/{offset}"), "GET");
  assert.equal(allowedMethods("/config"), "GET, PUT");
  assert.equal(allowedMethods("/"), "DELETE");
  assert.equal(allowedMethods("/nope"), undefined);
  assert.equal(routePattern("/records/x/y"), undefined);
});

Deno.test("each route's query parameters in ROUTE_QUERIES are the ones PROTOCOL.md documents", () => {
  const headings = routeHeadings();
  let checked = 0;
  for (const [i, heading] of headings.entries()) {
    // The section: from its heading to the next heading of any level.
    const start = LINES.indexOf(heading);
    const end = LINES.findIndex((l, at) => at > start && /^#{2,3} /.test(l));
    const text = LINES.slice(start, end === -1 ? undefined : end).join("\n");
    const documented = new Set([...text.matchAll(/[?&]([a-z]+)=/g)].map((m) => m[1]!));
    const served = new Set<string>();
    for (const span of codeSpans(heading)) {
      const r = route(span)!;
      const path = inLog(r.path);
      if (path === undefined) continue;
      const pattern = routePattern(path) as RoutePattern;
      for (const name of routeQuery(pattern, r.method as never)) served.add(name);
    }
    if (inLog(route(codeSpans(heading)[0]!)!.path) === undefined) continue;
    assert.deepEqual([...served].sort(), [...documented].sort(), `${heading} (${i})`);
    checked++;
  }
  assert.equal(checked, headings.length - 2, "every heading but /healthz and /console/");
  assert.deepEqual(routeQuery("/records", "GET"), ["from", "limit", "since"]);
  assert.deepEqual(routeQuery("/tail", "GET"), ["from", "since"]);
  assert.deepEqual(routeQuery("/bounds", "GET"), []);
});
