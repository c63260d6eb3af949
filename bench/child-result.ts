/**
 * A bench row measured in a child process of its own: the parent forks this same file with
 * `--child ...`, the child does the work and reports `{ result }` or `{ error }` once, then exits.
 */
import { fork } from 'node:child_process';

/**
 * Forks `file` with `args` and resolves with the result the child reports.
 * @param file the row's own file (its `import.meta.url` as a path)
 * @param args arguments after the file
 * @param execArgv node flags of the child (tsx is added)
 */
export function resultOfChild<T>(file: string, args: string[], execArgv: string[] = []): Promise<T> {
  const child = fork(file, args, {
    execArgv: [...execArgv, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let reply: { result?: T; error?: string } = {};
    child.on('message', (raw: unknown) => {
      reply = raw as { result?: T; error?: string };
    });
    child.once('error', reject);
    child.once('exit', () =>
      reply.result === undefined ? reject(new Error(reply.error ?? 'no result')) : resolve(reply.result),
    );
  });
}

/**
 * In the child: runs `work`, reports its result (or its error) to the parent, and exits.
 * @param work the measurement
 */
export function reportToParent<T>(work: () => Promise<T>): void {
  work().then(
    (result) => process.send?.({ result }, () => process.exit(0)),
    (error: unknown) =>
      process.send?.({ error: error instanceof Error ? error.message : String(error) }, () =>
        process.exit(1),
      ),
  );
}
