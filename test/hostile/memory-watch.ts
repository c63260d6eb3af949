/**
 * Watches the process's resident memory while a hostile case runs: the largest growth over the
 * baseline seen by sampling, so a case can assert it stayed bounded. Start it after a warm-up
 * injection: the first one loads the SDK, the socket library and the tokenizer's tables, which is
 * growth of its own.
 */

/** A running watch. */
export interface RssWatch {
  /** Stops sampling; resolves with the largest growth seen, in MiB. */
  stop(): number;
}

/**
 * Starts sampling `process.memoryUsage.rss()` every `intervalMs`.
 * @param intervalMs sampling period
 */
export function watchRss(intervalMs = 5): RssWatch {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return (peak - baseline) / (1024 * 1024);
    },
  };
}
