/**
 * Pins a child process, every thread of it, to one core with Linux `taskset`, or lets it run on any
 * core again. The throughput rows of the limit comparison pin each client to one core and the
 * emulators it talks to to another, so that on a small host the two run side by side as a client and
 * a remote server would, instead of sharing both cores as the scheduler chooses (a throughput that then
 * also measures where the scheduler placed them).
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Pins `pid` to `core` (or, with `'any'`, lets it run on every core); threads it starts later inherit
 * the setting.
 * @returns false, with nothing changed, where there is no `taskset`, no such core, or no pid
 */
export function pinToCore(pid: number | undefined, core: number | 'any'): boolean {
  const cores = availableParallelism();
  if (pid === undefined || process.platform !== 'linux' || cores < 2 || (core !== 'any' && core >= cores))
    return false;
  const list = core === 'any' ? `0-${cores - 1}` : String(core);
  try {
    execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', list, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
