/** Runs the `genesys-prompt` CLI in a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Node's arguments that run a TypeScript file from source (an example, a fixture). */
export const TSX = [
  '--import',
  fileURLToPath(new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url)),
];
/**
 * Node's arguments that run the CLI: the bundle this test run built from today's source
 * (`test/setup/built-cli.ts`), or the source through tsx in a run configured without that setup.
 */
export const CLI: string[] = inject('builtCli')
  ? [inject('builtCli')]
  : [...TSX, fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))];

/** What a finished CLI run printed. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** An environment without any GENESYS_* or OBSERVABILITY_* variable, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('GENESYS_') && !k.startsWith('OBSERVABILITY_')) env[k] = v;
  }
  return { ...env, ...extra };
}

/** A clean environment pointing the CLI at `emulator` through the GENESYS_* variables. */
export function emulatorEnv(
  emulator: { baseUrl: string; clientId: string; clientSecret: string },
  overrides: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return cleanEnv({
    GENESYS_ENVIRONMENT: emulator.baseUrl,
    GENESYS_CLIENT_ID: emulator.clientId,
    GENESYS_CLIENT_SECRET: emulator.clientSecret,
    ...overrides,
  });
}

/** Starts the CLI; `done` resolves when it exits. */
export function startCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): { child: ChildProcess; done: Promise<CliRun>; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/** Runs the CLI to completion. */
export function runCliProcess(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  return startCli(args, options).done;
}
