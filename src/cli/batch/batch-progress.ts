/**
 * Progress of a batch: a bar with rate and ETA on a terminal (cli-progress), plain periodic lines
 * otherwise (CI logs, pipes).
 */
import cliProgress from 'cli-progress';

/** What the batch tells its progress display. */
export interface BatchProgress {
  /** One job finished (ok or failed). */
  tick(failed: boolean): void;
  /** Stops the display (prints a last line). */
  stop(): void;
}

/**
 * A progress display on `stream` for `total` jobs, `alreadyDone` of which finished in an earlier run.
 * @param options `intervalMs` between plain lines when `stream` is not a terminal
 */
export function createBatchProgress(
  stream: NodeJS.WriteStream,
  total: number,
  alreadyDone: number,
  options: { intervalMs?: number } = {},
): BatchProgress {
  const started = performance.now();
  let done = alreadyDone;
  let failed = 0;
  const rate = (): number => (done - alreadyDone) / Math.max((performance.now() - started) / 1000, 0.001);
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: 'batch {bar} {value}/{total} | {rate}/s | ETA {eta_formatted} | failed {failed}',
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, done, { rate: '0.0', failed: 0 });
    return {
      tick(isFailure) {
        done++;
        if (isFailure) failed++;
        bar.update(done, { rate: rate().toFixed(1), failed });
      },
      stop: () => bar.stop(),
    };
  }
  const line = (): string => {
    const perSecond = rate();
    const eta = perSecond > 0 ? Math.ceil((total - done) / perSecond) : undefined;
    return `batch: ${done}/${total} done (${failed} failed), ${perSecond.toFixed(1)}/s${eta === undefined ? '' : `, ETA ${eta} s`}\n`;
  };
  const timer = setInterval(() => stream.write(line()), options.intervalMs ?? 2000);
  timer.unref();
  return {
    tick(isFailure) {
      done++;
      if (isFailure) failed++;
    },
    stop() {
      clearInterval(timer);
      stream.write(line());
    },
  };
}
