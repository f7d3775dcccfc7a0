/**
 * The shapes shared by every part of the conformance suite: a case, a harness and the
 * options that skip cases.
 *
 * @module
 */
import type { Journal } from "../core/journal.ts";
import type { StorageJournal } from "../core/storage_journal.ts";

/**
 * One conformance case: a name that reads as a sentence, and a function that resolves
 * when the behaviour it names holds and rejects when it breaks. Run it with any test
 * runner: `for (const c of cases) Deno.test(c.name, c.fn)`, or `it(c.name, c.fn)`.
 *
 * @example Running cases by hand
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import { type ConformanceCase, journalCases } from "@edgelog/edgelog/conformance";
 *
 * const cases: ConformanceCase[] = journalCases({ create: () => new MemoryJournal() });
 * const failed: string[] = [];
 * for (const { name, fn } of cases) await fn().catch(() => failed.push(name));
 * if (failed.length > 0) throw new Error(`Failed: ${failed.join(", ")}`);
 * ```
 */
export interface ConformanceCase {
  /** What the case checks, e.g. "`append()` rejects ConflictError when end is below the current end". */
  name: string;
  /** Runs the case; rejects with the reason when the behaviour is broken. */
  fn: () => Promise<void>;
}

/**
 * Options of a journal created by a harness.
 *
 * @example
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import type { HarnessOptions } from "@edgelog/edgelog/conformance";
 *
 * const create = (opts: HarnessOptions = {}) => new MemoryJournal(opts);
 * console.assert((await create({ start: 5 }).bounds()).begin === 5);
 * ```
 */
export interface HarnessOptions {
  /** The position of the first record of the fresh journal; only asked for when the harness sets `supportsStart`. */
  start?: number;
}

/**
 * Creates the journals the cases run against. Every case asks for its own journals and
 * each must be fresh: empty, and sharing no record with any other journal.
 *
 * @typeParam J The kind of journal created.
 *
 * @example A harness over SQLite: a fresh, uniquely named journal per call
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { nodeSqlite, SqliteStore } from "@edgelog/edgelog";
 * import { journalCases, type JournalHarness } from "@edgelog/edgelog/conformance";
 *
 * const store = new SqliteStore(nodeSqlite(new DatabaseSync(":memory:")));
 * let count = 0;
 * const harness: JournalHarness = {
 *   create: (opts = {}) => store.open(`journal-${count++}`, opts),
 *   supportsStart: true,
 * };
 * for (const c of journalCases(harness)) await c.fn();
 * store.close();
 * ```
 */
export interface JournalHarness<J extends Journal = Journal> {
  /**
   * Creates a fresh journal.
   *
   * @param opts `start`, the first position, when the harness sets `supportsStart`.
   * @returns The journal, or a Promise of it.
   */
  create(opts?: HarnessOptions): J | Promise<J>;
  /**
   * Whether `create` honours `opts.start`. Cases that need a first position other than 0
   * are left out when this is not `true`.
   */
  supportsStart?: boolean;
}

/**
 * A harness whose journals are storage drivers, so that a `Log` can be built over them
 * with `new Log({ journal })`.
 *
 * @example
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import { type LogHarness, logCases } from "@edgelog/edgelog/conformance";
 *
 * const harness: LogHarness = { create: () => new MemoryJournal() };
 * console.assert(logCases(harness).length > 0);
 * ```
 */
export type LogHarness = JournalHarness<StorageJournal>;

/**
 * Cases to skip: each key is a case's exact name, each value the written reason why the
 * implementation under test does not pass it. Skipped cases are left out of the returned
 * list; naming a case that does not exist is an error, so a renamed case is never skipped
 * by accident.
 *
 * @example
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import { modelCases, type SkipList } from "@edgelog/edgelog/conformance";
 *
 * const skip: SkipList = {
 *   "Random sequences of Log operations with a small segment size match a plain in-memory model":
 *     "This harness is checked by the Journal model only",
 * };
 * const cases = modelCases({ create: () => new MemoryJournal() }, { runs: 10, skip });
 * console.assert(cases.length === 1);
 * ```
 */
export type SkipList = Readonly<Record<string, string>>;

/**
 * Options of `journalCases` and `logCases`.
 *
 * @example
 * ```ts
 * import { MemoryJournal } from "@edgelog/edgelog";
 * import { type CaseOptions, logCases } from "@edgelog/edgelog/conformance";
 *
 * const options: CaseOptions = {
 *   skip: { "`maxSegmentSize` defaults to 1024 records": "An example of a written reason" },
 * };
 * console.assert(logCases({ create: () => new MemoryJournal() }, options).length > 0);
 * ```
 */
export interface CaseOptions {
  /** Cases to leave out, by name, each with the reason. */
  skip?: SkipList;
}

/** A case as the suite defines it, before selection. Internal. */
export interface DraftCase extends ConformanceCase {
  /** The case needs a harness that honours `start`. */
  needsStart?: boolean;
}

/**
 * Builds the case list: checks that names are unique and that every skipped name exists
 * with a reason, then leaves out the skipped cases and those that need a `start` the
 * harness does not support. Internal.
 *
 * @throws {TypeError} When a skip reason is not a string.
 * @throws {RangeError} When a skip reason is empty or names no case, or two cases share a name.
 */
export function select(
  drafts: DraftCase[],
  skip: SkipList | undefined,
  supportsStart: boolean | undefined,
): ConformanceCase[] {
  const cases = drafts
    .filter((draft) => supportsStart === true || draft.needsStart !== true)
    .map(({ name, fn }) => ({ name, fn }));
  return skipCases(drafts, cases, skip);
}

function skipCases(
  drafts: ConformanceCase[],
  cases: ConformanceCase[],
  skip: SkipList | undefined,
): ConformanceCase[] {
  const names = new Set<string>();
  for (const { name } of drafts) {
    if (names.has(name)) throw new RangeError(`Two conformance cases are named "${name}"`);
    names.add(name);
  }
  if (skip === undefined) return cases;
  if (typeof skip !== "object" || skip === null) {
    throw new TypeError(`Expected skip to be an object of reasons, got "${String(skip)}"`);
  }
  for (const [name, reason] of Object.entries(skip)) {
    if (typeof reason !== "string") {
      throw new TypeError(`Expected the reason to skip "${name}" to be a string`);
    }
    if (reason.trim() === "") throw new RangeError(`Expected a reason to skip "${name}"`);
    if (!names.has(name)) throw new RangeError(`No conformance case is named "${name}"`);
  }
  return cases.filter(({ name }) => !Object.hasOwn(skip, name));
}
