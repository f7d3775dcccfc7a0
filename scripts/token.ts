// Mints a token for local use, signed with the AUTH_SECRET of the environment or .dev.vars:
//
//   npm run -s token -- --tenant acme --rights read,append [--logs acme/orders/] [--ttl 3600]
//
// Prints the token alone on stdout (for TOKEN=$(...)); what it grants goes to stderr.
import { parseArgs } from "node:util";
import { mintToken, type Right, RIGHTS } from "../src/token.ts";

const USAGE =
  "Usage: npm run -s token -- --tenant NAME --rights read,append,admin [--logs PREFIX] [--ttl SECONDS]";

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  Deno.exit(2);
}

/** AUTH_SECRET from a dotenv file (.dev.vars), as wrangler reads it: KEY=VALUE lines. */
function secretFromFile(path: string): string | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
  let secret: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?AUTH_SECRET\s*=\s*(.*?)\s*$/.exec(line);
    if (match === null) continue;
    const raw = match[1]!;
    const quoted = /^(["'`])(.*)\1$/.exec(raw);
    secret = quoted ? quoted[2]! : raw.replace(/\s+#.*$/, "");
  }
  return secret;
}

let values;
try {
  ({ values } = parseArgs({
    args: Deno.args,
    options: {
      tenant: { type: "string" },
      rights: { type: "string" },
      logs: { type: "string" },
      ttl: { type: "string" },
    },
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (values.tenant === undefined) fail("--tenant is required");
if (values.rights === undefined) fail("--rights is required");
const rights = values.rights.split(",").map((r) => r.trim()).filter((r) => r !== "");
for (const right of rights) {
  if (!RIGHTS.includes(right as Right)) fail(`Unknown right "${right}": use ${RIGHTS.join(", ")}`);
}
const ttl = values.ttl === undefined ? undefined : Number(values.ttl);

const fromEnv = Deno.env.get("AUTH_SECRET");
const secret = fromEnv !== undefined && fromEnv !== ""
  ? fromEnv
  : secretFromFile(new URL("../.dev.vars", import.meta.url).pathname);
if (secret === undefined || secret === "") {
  console.error("No AUTH_SECRET: set it in the environment or in .dev.vars");
  Deno.exit(1);
}

try {
  const token = await mintToken(
    secret,
    {
      tenant: values.tenant,
      rights: rights as Right[],
      ...(values.logs === undefined ? {} : { logs: values.logs }),
    },
    ttl === undefined ? {} : { ttl },
  );
  console.log(token);
  const logs = values.logs ?? `${values.tenant}/`;
  console.error(
    `# tenant "${values.tenant}", logs "${logs}*", rights ${rights.join(",")}, ` +
      `valid ${ttl ?? 3600} s`,
  );
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
