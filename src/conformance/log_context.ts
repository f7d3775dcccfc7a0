/**
 * What every group of Log conformance cases shares: the context a case gets and the way a
 * group defines its cases. Internal to the suite: `logCases` builds the context and runs
 * each case in it.
 *
 * @module
 */
import type { Log, LogOptions } from "../core/log.ts";
import type { StorageJournal } from "../core/storage_journal.ts";

/** What a Log case gets: fresh journals and logs over fresh journals. */
export interface Context {
  /** A fresh journal from the harness. */
  journal(): Promise<StorageJournal>;
  /** A new Log over `options.journal`, or over a fresh journal from the harness. */
  log(options?: LogOptions): Promise<Log>;
  /** An AbortController whose signal is aborted when the case ends. */
  controller(): AbortController;
}

/** The body of a Log case: resolves when the behaviour it names holds. */
export type Body = (ctx: Context) => Promise<void>;

/** Defines one Log case: a name that reads as a sentence, and its body. */
export type Define = (name: string, body: Body) => void;
