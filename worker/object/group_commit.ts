/**
 * Group commit: one SQLite commit for the appends that arrive together.
 *
 * @module
 */

/** The most turns of the event loop a commit waits for more appends to join it. */
const MAX_GATHER_TURNS = 4;

/**
 * Schedules the Log's commits of the appends it gathered (the Log's `scheduleCommit`
 * option). Each request is a task of its own, so a commit waits for the tasks already
 * queued, and then for one more turn of the event loop each time more appends joined, up to
 * `MAX_GATHER_TURNS` turns. Under load one SQLite commit, and its sync to disk (which stalls
 * the whole object), then serves most requests in flight; a lone append waits one turn.
 * Nothing is acknowledged before the commit. The `afterCommit` callback runs in the same
 * synchronous block as the commit (the tails rely on it).
 */
export class GroupCommit {
  /** Appends handed to the Log so far: a commit waits while this grows. */
  #appends = 0;
  readonly #afterCommit: () => void;
  readonly #later: (fn: () => void) => void;

  /**
   * Creates the scheduler.
   *
   * @param afterCommit Called right after each commit, in the same synchronous block.
   * @param later Runs a callback on a later turn (the object's counted `setTimeout(fn, 0)`).
   */
  constructor(
    afterCommit: () => void,
    later: (fn: () => void) => void = (fn) => setTimeout(fn, 0),
  ) {
    this.#afterCommit = afterCommit;
    this.#later = later;
  }

  /** Counts an append handed to the Log: a pending commit waits a turn for it. */
  appending(): void {
    this.#appends++;
  }

  /**
   * The Log's `scheduleCommit`: runs `commit` once the appends in flight have joined it.
   *
   * @param commit The Log's commit of what it gathered.
   */
  readonly schedule = (commit: () => void): void => {
    let seen = this.#appends;
    let turns = 1;
    const tick = () => {
      if (this.#appends !== seen && turns < MAX_GATHER_TURNS) {
        seen = this.#appends;
        turns++;
        this.#later(tick);
        return;
      }
      commit();
      this.#afterCommit();
    };
    this.#later(tick);
  };
}
