// A Worker of its own that hosts edgelog logs: it writes each order it takes to the log
// "shop/orders" over Durable Object RPC, and serves edgelog's HTTP API under /edgelog to
// readers holding its API key.
import { Hono } from "hono";
import { edgelog, LogObject, logRpc } from "@edgelog/edgelog/worker";

// wrangler.toml binds LOGS to this class.
export { LogObject };

export interface Env {
  LOGS: DurableObjectNamespace<LogObject>;
  API_KEY: string;
}

const app = new Hono<{ Bindings: Env }>();

// The Worker's own route: an order goes to the log, and its offset back to the caller.
app.post("/orders", async (c) => {
  const order = await c.req.json<{ item: string; quantity: number }>();
  const orders = logRpc(c.env.LOGS, "shop/orders");
  const { offset } = await orders.append(new TextEncoder().encode(JSON.stringify(order)));
  return c.json({ offset }, 201);
});

// edgelog's API under /edgelog, authorized by the Worker itself: the API key reads the
// logs of the tenant "shop" (GET /edgelog/logs/shop/orders/records?from=0, tails, ...).
app.route(
  "/edgelog",
  edgelog<Env>({
    authorize: (request, env) =>
      request.headers.get("authorization") === `Bearer ${env.API_KEY}`
        ? { tenant: "shop", rights: ["read"] }
        : null,
  }).app,
);

export default app;
