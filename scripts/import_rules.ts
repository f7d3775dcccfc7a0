/**
 * The import rules of DESIGN.md, checked: reads every import of the source files (static
 * imports, `import type`, `export ... from`, dynamic `import()`, `typeof import()` types,
 * `/// <reference>` directives) and prints each import a part may not make as
 * `file:line: <part> may not import <target> (<rule>)`, then exits 1. Prints one summary
 * line and exits 0 when every import keeps the rules.
 *
 * The parts: the core (`src/core`, `src/drivers`, `mod.ts`), the protocol (`src/protocol`),
 * the worker (`worker/`), the client (`src/client`), the CLI (`src/cli`), the
 * conformance suite (`src/conformance`), the npm package's Node entries (`src/node`), the web
 * console (`src/console`, which no part may import) and the test server (`testing/`, which no
 * part may import). A file under `src/` that is in none of
 * them is
 * reported too, so that a new folder cannot slip past the rules.
 *
 * Exempt, never read: tests (`*_test.ts` and `*.test.ts` anywhere, everything under
 * `test/`), `bench/` and `scripts/`. They drive the parts from outside and may import any.
 *
 * Usage (from the repository root; the path defaults to the root of this script's tree):
 *
 * ```sh
 * ./node_modules/.bin/deno run --allow-read --allow-env scripts/import_rules.ts [root]
 * ```
 *
 * (`--allow-env`: the TypeScript compiler, whose parser this uses, reads its settings from
 * the environment when it loads.)
 *
 * @module
 */
import ts from "typescript";

/** A part of edgelog, as DESIGN.md names them. */
export type Part =
  | "core"
  | "protocol"
  | "worker"
  | "client"
  | "cli"
  | "conformance"
  | "node"
  | "console"
  | "testing";

/** What a part may import: the parts below it, and packages. */
interface Rule {
  /** The parts it may import, besides itself. */
  parts: readonly Part[];
  /**
   * The packages it may import: a name matches itself and its subpaths (`hono` matches
   * `hono/cors`); a name ending in `:` matches a scheme (`node:` matches `node:fs`).
   */
  packages: readonly string[];
  /** The rule in words, printed after every violation of it. */
  text: string;
}

/**
 * Every part's rule. Whatever a rule does not list is refused, so the core gets no
 * `cloudflare:*`, `hono`, `jose`, `node:*`, `npm:*`, `jsr:` or `https:` module either.
 */
export const RULES: Readonly<Record<Part, Rule>> = {
  core: {
    parts: [],
    packages: [],
    text: "the core imports only the core",
  },
  protocol: {
    parts: ["core"],
    packages: ["jose"],
    text: "the protocol imports only the core and jose",
  },
  worker: {
    parts: ["core", "protocol"],
    packages: ["hono", "cloudflare:"],
    text: "the worker imports only the core, the protocol, hono and cloudflare:*",
  },
  client: {
    parts: ["core", "protocol"],
    packages: [],
    text: "the client imports only the core and the protocol",
  },
  cli: {
    parts: ["client", "protocol", "core"],
    packages: ["node:"],
    text: "the CLI imports only the client, the protocol, the core and node:*",
  },
  conformance: {
    parts: ["core"],
    packages: ["fast-check"],
    text: "the conformance suite imports only the core and fast-check",
  },
  node: {
    parts: ["cli", "client", "protocol", "core"],
    packages: ["ws", "node:"],
    text: "the npm package's Node entries import only the CLI, the client, the protocol, " +
      "the core, ws and node:*",
  },
  // Browser code, bundled on its own (scripts/build_console.mjs): never imported.
  console: {
    parts: ["client", "protocol", "core"],
    packages: [],
    text: "the console imports only the client, the protocol and the core",
  },
  // The Worker it runs is a bundle, started by path: never imported.
  testing: {
    parts: ["core", "protocol", "client"],
    packages: ["miniflare", "node:"],
    text: "the test server imports only the core, the protocol, the client, miniflare and node:*",
  },
};

/** The part a repository path (with `/` separators) belongs to, if any. */
export function partOf(path: string): Part | undefined {
  if (path === "mod.ts" || /^src\/(core|drivers)\//.test(path)) return "core";
  if (path.startsWith("src/protocol/")) return "protocol";
  if (path.startsWith("src/client/")) return "client";
  if (path.startsWith("src/cli/")) return "cli";
  if (path.startsWith("src/conformance/")) return "conformance";
  if (path.startsWith("src/node/")) return "node";
  if (path.startsWith("src/console/")) return "console";
  if (path.startsWith("worker/")) return "worker";
  if (path.startsWith("testing/")) return "testing";
  return undefined;
}

/** Whether a file is exempt from the rules: a test. (`test/`, `bench/` and `scripts/` are never read.) */
function isTest(path: string): boolean {
  return /(_test|\.test)\.[cm]?[jt]sx?$/.test(path);
}

const SOURCE = /\.([cm]?[jt]s|[jt]sx)$/;

/** One import of a file: what it names and the line it is on. */
interface Import {
  specifier: string;
  line: number;
}

/** Every import of a source text, found by TypeScript's parser (comments and strings are not imports). */
export function importsOf(path: string, text: string): Import[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (specifier: string, pos: number) => {
    found.push({ specifier, line: file.getLineAndCharacterOfPosition(pos).line + 1 });
  };
  for (const ref of [...file.referencedFiles, ...file.typeReferenceDirectives]) {
    add(ref.fileName, ref.pos);
  }
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined && ts.isStringLiteralLike(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text, node.moduleSpecifier.getStart(file));
    } else if (
      ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteralLike(node.moduleReference.expression)
    ) {
      add(node.moduleReference.expression.text, node.moduleReference.expression.getStart(file));
    } else if (
      ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
    ) {
      const [first] = node.arguments;
      // A computed specifier cannot be checked: name it, so that it is seen and refused.
      if (first !== undefined && ts.isStringLiteralLike(first)) {
        add(first.text, first.getStart(file));
      } else add(`import(${first?.getText(file) ?? ""})`, node.getStart(file));
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteralLike(node.argument.literal)
    ) {
      add(node.argument.literal.text, node.argument.literal.getStart(file));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found.sort((a, b) => a.line - b.line);
}

/** Joins a relative specifier to the folder of the file that holds it; `../` leads out of the tree. */
function resolve(from: string, specifier: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const segment of specifier.split(/[?#]/)[0]!.split("/")) {
    if (segment === "..") {
      if (parts.length === 0 || parts[parts.length - 1] === "..") parts.push("..");
      else parts.pop();
    } else if (segment !== "." && segment !== "") parts.push(segment);
  }
  return parts.join("/");
}

/** Whether a package specifier matches a rule's package name. */
function matches(specifier: string, name: string): boolean {
  return name.endsWith(":")
    ? specifier.startsWith(name)
    : specifier === name || specifier.startsWith(`${name}/`);
}

/** The violation of one import, or undefined when the rule allows it. */
function judge(file: string, part: Part, { specifier, line }: Import): string | undefined {
  const rule = RULES[part];
  const relative = specifier.startsWith("./") || specifier.startsWith("../");
  if (relative) {
    const target = resolve(file, specifier);
    const to = partOf(target);
    if (to === part || (to !== undefined && rule.parts.includes(to))) return undefined;
    return `${file}:${line}: ${part} may not import ${target} (${rule.text})`;
  }
  if (rule.packages.some((name) => matches(specifier, name))) return undefined;
  return `${file}:${line}: ${part} may not import ${specifier} (${rule.text})`;
}

/** The source files under a folder of the tree, as repository paths, tests left out. */
async function sourcesUnder(root: string, dir: string): Promise<string[]> {
  const found: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(`${root}/${dir}`));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return found;
    throw error;
  }
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "node_modules" && !entry.name.startsWith(".")) {
      found.push(...await sourcesUnder(root, path));
    } else if (entry.isFile && SOURCE.test(entry.name) && !isTest(path)) found.push(path);
  }
  return found;
}

/** What a check found: every violation, and how much was read. */
export interface Report {
  /** The violations, one line each, by file and line. */
  violations: string[];
  /** How many files were read. */
  files: number;
  /** How many imports they hold. */
  imports: number;
}

/**
 * Checks every import of the source files of a tree against {@linkcode RULES}.
 *
 * @param root The repository root.
 * @returns The violations, each as `file:line: <part> may not import <target> (<rule>)`.
 */
export async function checkImports(root: string): Promise<Report> {
  const files = [
    ...(await Deno.stat(`${root}/mod.ts`).then(() => ["mod.ts"], () => [])),
    ...await sourcesUnder(root, "src"),
    ...await sourcesUnder(root, "worker"),
    ...await sourcesUnder(root, "testing"),
  ].sort();
  const violations: string[] = [];
  let imports = 0;
  for (const file of files) {
    const part = partOf(file);
    if (part === undefined) {
      violations.push(
        `${file}:1: in no part of the import rules (give it one in scripts/import_rules.ts)`,
      );
      continue;
    }
    for (const found of importsOf(file, await Deno.readTextFile(`${root}/${file}`))) {
      imports++;
      const violation = judge(file, part, found);
      if (violation !== undefined) violations.push(violation);
    }
  }
  return { violations, files: files.length, imports };
}

if (import.meta.main) {
  const root = Deno.args[0] ?? new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const { violations, files, imports } = await checkImports(root);
  for (const violation of violations) console.log(violation);
  if (violations.length > 0) {
    console.log(`import rules: ${violations.length} violation(s) in ${files} files`);
    Deno.exit(1);
  }
  console.log(`import rules hold: ${imports} imports in ${files} files`);
}
