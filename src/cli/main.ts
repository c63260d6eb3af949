#!/usr/bin/env node
/** Entry point of the `genesys-prompt` command (see run-cli.ts). */
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv);
