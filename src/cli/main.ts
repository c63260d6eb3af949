#!/usr/bin/env node
/** Entry point of the `genesys-prompt` command (see run-cli.ts). */
import { runCli } from './run-cli.js';

// `genesys-prompt inject ... | head`: once the reader is gone, drop further output quietly and let the
// command finish (its audit entry included) instead of dying on an unhandled EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
});

process.exitCode = await runCli(process.argv);
