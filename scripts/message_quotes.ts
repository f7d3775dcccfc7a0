/**
 * Checks that the messages of the code base quote values with paired quotes: reads every
 * source file under `src/`, `worker/` and `scripts/` (tests aside) and, in each message, the
 * static text of the string and template literals given to `new XxxError(...)`,
 * `ApiError(...)`, `fail(...)`, `throw`, `console.*(...)`, `*.stdout(...)`/`*.stderr(...)` and
 * `*.write(...)`. Each message's double quotes must pair up, and a single quote may only be
 * an apostrophe (between letters: `token's`). Text computed at run time (`${value}`) counts
 * as a value, which the message's own quotes surround; a conditional's branches are
 * messages of their own. Prints each unpaired message as `file:line: text` and exits 1, or
 * one summary line and exits 0.
 *
 * Usage (from the repository root):
 *
 * ```sh
 * ./node_modules/.bin/deno run --allow-read --allow-env scripts/message_quotes.ts [root]
 * ```
 *
 * @module
 */
import ts from "typescript";

/** A message found in the sources. */
export interface Message {
  /** The file, relative to the root. */
  file: string;
  /** The line, from 1. */
  line: number;
  /** The message's static text, `•` for each part computed at run time. */
  text: string;
}

/** The folders scanned, relative to the root. */
export const SCANNED = ["src", "worker", "scripts"] as const;

/** What stands for a part computed at run time. */
const VALUE = "•";

/** Callees whose string arguments are messages, besides `new XxxError(...)`. */
const MESSAGE_FUNCTIONS = new Set(["ApiError", "fail", "ExitError"]);
/** Functions whose returned strings are messages: `reason(error)`, `flagProblem(...)`. */
const MESSAGE_MAKER = /^(reason|hint|message|problem)|(Reason|Hint|Message|Problem)$/;
/** Methods whose string arguments are output: `io.stderr(...)`, `console.log(...)`. */
const OUTPUT_METHODS = new Set(["stdout", "stderr", "write", "log", "error", "warn", "info"]);

/**
 * Whether the quotes of `text` pair up: an even number of double quotes, and no single
 * quote used as a quote (one that is not between two letters, as in `token's`).
 *
 * @param text A message.
 * @returns `true` when they pair up.
 *
 * @example
 * ```ts
 * import { quotesPaired } from "./message_quotes.ts";
 * import assert from "node:assert/strict";
 *
 * assert(quotesPaired('Unknown flag "--fron" for "read"'));
 * assert(!quotesPaired(`as in '-- "--fron"`));
 * assert(quotesPaired("The token's signature does not verify"));
 * ```
 */
export function quotesPaired(text: string): boolean {
  const doubles = text.split('"').length - 1;
  return doubles % 2 === 0 && !/(?<![A-Za-z])'|'(?![A-Za-z])/.test(text);
}

/**
 * The messages of one source file.
 *
 * @param file The file's name, for the answer.
 * @param source The file's text.
 * @returns Every message found, in order.
 *
 * @example
 * ```ts
 * import { messagesOf } from "./message_quotes.ts";
 * import assert from "node:assert/strict";
 *
 * const found = messagesOf("x.ts", 'throw new RangeError(`Bad "${x}", got ${y ? "a" : "b"}`);');
 * assert.deepEqual(found.map((m) => m.text), ['Bad "•", got •', "a", "b"]);
 * ```
 */
export function messagesOf(file: string, source: string): Message[] {
  const kind = file.endsWith(".ts") ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, kind);
  const found: Message[] = [];
  /** Adds the message `node` is, then those nested in it. */
  const message = (node: ts.Expression): void => {
    if (!isStatic(node)) return;
    const { line } = tree.getLineAndCharacterOfPosition(node.getStart(tree));
    const entry = { file, line: line + 1, text: "" };
    found.push(entry);
    entry.text = flatten(node, message);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && /Error$/.test(calleeName(node.expression) ?? "")) {
      node.arguments?.forEach(message);
    } else if (ts.isCallExpression(node)) {
      const name = calleeName(node.expression);
      const method = ts.isPropertyAccessExpression(node.expression);
      if (
        name !== undefined &&
        (MESSAGE_FUNCTIONS.has(name) || (method && OUTPUT_METHODS.has(name)))
      ) {
        node.arguments.forEach(message);
      }
    } else if (ts.isThrowStatement(node) && node.expression !== undefined) {
      message(node.expression);
    } else if (
      ts.isReturnStatement(node) && node.expression !== undefined &&
      MESSAGE_MAKER.test(enclosingFunctionName(node) ?? "")
    ) {
      message(node.expression);
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

/** Whether `node` is text made of literals at its top: a message to check. */
function isStatic(node: ts.Expression): boolean {
  const inner = unwrap(node);
  if (ts.isStringLiteral(inner) || ts.isNoSubstitutionTemplateLiteral(inner)) return true;
  if (ts.isTemplateExpression(inner)) return true;
  if (ts.isConditionalExpression(inner)) {
    return isStatic(inner.whenTrue) || isStatic(inner.whenFalse);
  }
  if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return isStatic(inner.left) || isStatic(inner.right);
  }
  return false;
}

/**
 * The text of `node` with every part computed at run time as {@linkcode VALUE}; the
 * literals inside those parts (a conditional's branches, a nested template) are handed to
 * `nested` as messages of their own.
 */
function flatten(node: ts.Expression, nested: (node: ts.Expression) => void): string {
  const inner = unwrap(node);
  if (ts.isStringLiteral(inner) || ts.isNoSubstitutionTemplateLiteral(inner)) return inner.text;
  if (ts.isTemplateExpression(inner)) {
    let text = inner.head.text;
    for (const span of inner.templateSpans) {
      text += flatten(span.expression, nested) + span.literal.text;
    }
    return text;
  }
  if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return flatten(inner.left, nested) + flatten(inner.right, nested);
  }
  // A value: its own literals, if any, are messages of their own.
  const literals = (child: ts.Node): void => {
    if (ts.isExpression(child) && isStatic(child) && !ts.isConditionalExpression(child)) {
      nested(child);
      return;
    }
    ts.forEachChild(child, literals);
  };
  if (ts.isConditionalExpression(inner)) {
    for (const branch of [inner.whenTrue, inner.whenFalse]) literals(branch);
  } else {
    ts.forEachChild(inner, literals);
  }
  return VALUE;
}

function unwrap(node: ts.Expression): ts.Expression {
  let inner = node;
  while (ts.isParenthesizedExpression(inner) || ts.isAsExpression(inner)) inner = inner.expression;
  return inner;
}

function enclosingFunctionName(node: ts.Node): string | undefined {
  for (let at = node.parent; at !== undefined; at = at.parent) {
    if (ts.isFunctionDeclaration(at) || ts.isMethodDeclaration(at)) return at.name?.getText();
    if (ts.isArrowFunction(at) || ts.isFunctionExpression(at)) {
      const holder = at.parent;
      return ts.isVariableDeclaration(holder) ? holder.name.getText() : undefined;
    }
  }
  return undefined;
}

function calleeName(node: ts.Expression): string | undefined {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  return undefined;
}

/**
 * The messages of every source file under {@linkcode SCANNED}, tests aside.
 *
 * @param root The repository's root folder.
 * @returns Every message found.
 */
export async function scan(root: string): Promise<Message[]> {
  const found: Message[] = [];
  for (const folder of SCANNED) {
    for await (const file of walk(`${root}/${folder}`)) {
      const relative = file.slice(root.length + 1);
      found.push(...messagesOf(relative, await Deno.readTextFile(file)));
    }
  }
  return found;
}

async function* walk(folder: string): AsyncIterable<string> {
  for await (const entry of Deno.readDir(folder)) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path);
    else if (
      /\.(ts|mjs|js)$/.test(entry.name) && !/(_test|\.test)\.(ts|mjs|js)$/.test(entry.name)
    ) {
      yield path;
    }
  }
}

if (import.meta.main) {
  const root = Deno.args[0] ?? new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const messages = await scan(root);
  const unpaired = messages.filter((m) => !quotesPaired(m.text));
  for (const m of unpaired) console.log(`${m.file}:${m.line}: ${m.text}`);
  console.log(
    unpaired.length === 0
      ? `quotes pair up in all ${messages.length} messages`
      : `${unpaired.length} of ${messages.length} messages have unpaired quotes`,
  );
  if (unpaired.length > 0) Deno.exit(1);
}
