// The web console's page and assets (`/console/`, worker/console.ts): served from the static
// assets without a token, with a Content-Security-Policy that forbids inline scripts and other
// origins; outside `/logs/`, so no log name reaches it. And the API's own origin, which the
// console's requests carry as `Origin`: allowed, in open development mode on loopback hosts
// only. (vitest.config.ts builds the console before the pool reads wrangler.toml's assets.)
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { consoleContentSecurityPolicy } from "../../src/protocol/headers.ts";
import { fetchWorker } from "./direct.ts";
import { uniqueName } from "./helpers.ts";

const LOCAL = "http://127.0.0.1:8787";

async function errorOf(res: Response): Promise<[number, string, string]> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return [res.status, body.error.code, body.error.message];
}

function expectSecurityHeaders(res: Response, origin = LOCAL): void {
  expect(res.headers.get("content-security-policy")).toBe(
    consoleContentSecurityPolicy(new URL(origin)),
  );
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
}

describe("GET /console", () => {
  it("redirects to /console/, which is the page, with the console's security headers", async () => {
    const redirect = await SELF.fetch(`${LOCAL}/console?log=acme/x`, { redirect: "manual" });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe("/console/?log=acme/x");
    expectSecurityHeaders(redirect);

    const page = await SELF.fetch(`${LOCAL}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expectSecurityHeaders(page);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="console.js"></script>');
    // No inline script or style the policy would block: every script has a src.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="console.js">']);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=|<style/i);
  });

  it("serves the script and the style sheet beside the page, HEAD too", async () => {
    const script = await SELF.fetch(`${LOCAL}/console/console.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expectSecurityHeaders(script);
    expect((await script.text()).length).toBeGreaterThan(1000);
    const css = await SELF.fetch(`${LOCAL}/console/console.css`, { method: "HEAD" });
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
    expect(await css.text()).toBe("");
  });

  it("names the page's own WebSocket scheme and host in connect-src", () => {
    expect(consoleContentSecurityPolicy(new URL("https://logs.example.com/console/"))).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
        "connect-src 'self' wss://logs.example.com; object-src 'none'; base-uri 'none'; " +
        "form-action 'none'; frame-ancestors 'none'",
    );
    expect(consoleContentSecurityPolicy(new URL(LOCAL))).toContain(
      "connect-src 'self' ws://127.0.0.1:8787;",
    );
  });

  it("answers other methods 405 and missing assets 404, as JSON errors with its headers", async () => {
    const post = await SELF.fetch(`${LOCAL}/console/`, { method: "POST", body: "x" });
    expect(post.headers.get("allow")).toBe("GET");
    expectSecurityHeaders(post);
    expect(await errorOf(post)).toEqual([
      405,
      "METHOD_NOT_ALLOWED",
      "Use GET on /console/, not POST",
    ]);
    const missing = await SELF.fetch(`${LOCAL}/console/nope.js`);
    expectSecurityHeaders(missing);
    expect(await errorOf(missing)).toEqual([
      404,
      "ROUTE_NOT_FOUND",
      "No route GET /console/nope.js",
    ]);
  });

  it("is no console without the ASSETS binding (a Worker run from its bundle alone)", async () => {
    const res = await fetchWorker("/console/", {}, { ASSETS: undefined } as never);
    const [status, code, message] = await errorOf(res);
    expect([status, code]).toEqual([404, "ROUTE_NOT_FOUND"]);
    expect(message).toContain("no ASSETS binding");
  });

  it("does not take paths that only start with its name, nor the log named console", async () => {
    const other = await SELF.fetch(`${LOCAL}/consoles`);
    expect(other.headers.get("content-security-policy")).toBeNull();
    expect((await errorOf(other)).slice(0, 2)).toEqual([404, "ROUTE_NOT_FOUND"]);
    const append = await SELF.fetch(`${LOCAL}/logs/console/records`, { method: "POST", body: "x" });
    expect(await append.json()).toEqual({ offset: 0 });
    const read = await SELF.fetch(`${LOCAL}/logs/console/records/0`);
    expect(new TextDecoder().decode(await read.arrayBuffer())).toBe("x");
  });
});

describe("the API's own origin (the console's requests)", () => {
  it("is allowed on a loopback host in open development mode, appends and tails included", async () => {
    for (const origin of [LOCAL, "http://localhost:8787", "http://[::1]:8787"]) {
      const log = `acme/${uniqueName()}`;
      const post = await SELF.fetch(`${origin}/logs/${log}/records`, {
        method: "POST",
        headers: { origin },
        body: "x",
      });
      expect(post.status, origin).toBe(200);
      expect(post.headers.get("access-control-allow-origin")).toBe(origin);
      const tail = await SELF.fetch(`${origin}/logs/${log}/tail?from=0`, {
        headers: { origin, upgrade: "websocket" },
      });
      expect(tail.status, origin).toBe(101);
      tail.webSocket!.accept();
      tail.webSocket!.close(1000);
    }
  });

  it("is refused on any other host in open development mode (DNS rebinding)", async () => {
    const origin = "http://evil.example:8787";
    const res = await SELF.fetch(`${origin}/logs/acme/${uniqueName()}/records`, {
      method: "POST",
      headers: { origin },
      body: "x",
    });
    const [status, code, message] = await errorOf(res);
    expect([status, code]).toEqual([403, "FORBIDDEN"]);
    expect(message).toBe(`Origin "${origin}" is not allowed: list it in the CORS_ORIGINS var`);
    const stream = await SELF.fetch(`${origin}/v1/stream/acme/${uniqueName()}`, {
      method: "PUT",
      headers: { origin },
    });
    expect((await errorOf(stream)).slice(0, 2)).toEqual([403, "FORBIDDEN"]);
  });

  it("is another origin when the scheme or the port differs", async () => {
    for (const origin of ["https://127.0.0.1:8787", "http://127.0.0.1:8788"]) {
      const res = await SELF.fetch(`${LOCAL}/logs/acme/${uniqueName()}/bounds`, {
        headers: { origin },
      });
      expect((await errorOf(res)).slice(0, 2), origin).toEqual([403, "FORBIDDEN"]);
    }
  });
});
