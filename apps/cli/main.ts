#!/usr/bin/env node
/** `epp` command line: thin commands over libs/. Bad input prints one line and exits with status 2. */
import { buildProgram, runCli } from './program.js';

await runCli(buildProgram(), process.argv);
