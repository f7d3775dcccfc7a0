#!/usr/bin/env node
// The `edgelog` command of the npm package (package.json `bin`, compiled to
// dist/src/node/bin.js): the command line run as the process under Node 20+, its tail on the
// `ws` package's WebSocket when Node has no global one.
import "./use_ws.ts";
import { EXIT_CODES, main } from "../cli/cli.ts";
import { runAsProcess } from "../cli/run_as_process.ts";

await runAsProcess(main, EXIT_CODES.INTERRUPTED);
