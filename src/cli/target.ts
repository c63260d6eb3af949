/**
 * Where the CLI sends prompts: the organisation named by `GENESYS_CLIENT_ID`, `GENESYS_CLIENT_SECRET`
 * and `GENESYS_ENVIRONMENT`, or — when none of them is set — the built-in emulator, started in process.
 */
import type { Emulator } from '../emulator/index.js';

/** A resolved target: credentials for the injector, and the emulator to stop when there is one. */
export interface Target {
  environment: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  /** Set when the target is the in-process emulator. */
  emulator: Emulator | undefined;
  close(): Promise<void>;
}

/** The names of the variables that select a real organisation. */
export const TARGET_VARIABLES = [
  'GENESYS_CLIENT_ID',
  'GENESYS_CLIENT_SECRET',
  'GENESYS_ENVIRONMENT',
] as const;

/**
 * Picks the target. With none of the three variables set, starts the emulator and says so in one line.
 * @param note where the one-line notice goes (stderr)
 * @param env the process environment
 */
export async function resolveTarget(
  note: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Target> {
  if (TARGET_VARIABLES.some((name) => env[name] !== undefined && env[name] !== '')) {
    return {
      environment: env.GENESYS_ENVIRONMENT,
      clientId: env.GENESYS_CLIENT_ID,
      clientSecret: env.GENESYS_CLIENT_SECRET,
      emulator: undefined,
      close: async () => undefined,
    };
  }
  // Loaded only here: a run against a real organisation never loads the emulator.
  const { startEmulator } = await import('../emulator/index.js');
  const emulator = await startEmulator({ port: 0, rateLimit: false });
  note(
    `no GENESYS_CLIENT_ID/GENESYS_CLIENT_SECRET/GENESYS_ENVIRONMENT set: using the built-in emulator at ${emulator.baseUrl}`,
  );
  return {
    environment: emulator.baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    emulator,
    close: () => emulator.close(),
  };
}
