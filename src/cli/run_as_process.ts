// Runs the command line as the whole process: the process's arguments, Ctrl-C as an abort,
// and its exit code as the process's. Shared by `deno run src/cli/cli.ts` (its
// `import.meta.main`) and the npm package's `edgelog` command (src/node/bin.ts).
import process from "node:process";

/** The command line's `main`, as far as running it as a process needs. */
type Main = (args: string[], io: { signal: AbortSignal }) => Promise<number>;

/**
 * Runs `main` with the process's arguments and exits with its code. Ctrl-C aborts the
 * command's signal; a command that does not end within 500 ms of it (one waiting on standard
 * input does not see the signal) is ended with `interrupted` as the exit code.
 *
 * @param main The command line's `main`.
 * @param interrupted The exit code of a command stopped by Ctrl-C.
 */
export async function runAsProcess(main: Main, interrupted: number): Promise<never> {
  const controller = new AbortController();
  process.on("SIGINT", () => {
    // `main` reports its signal's reason as an interruption.
    controller.abort(new Error("Interrupted"));
    // A command waiting on standard input does not see the signal: end it soon anyway.
    setTimeout(() => process.exit(interrupted), 500);
  });
  process.exit(await main(process.argv.slice(2), { signal: controller.signal }));
}
