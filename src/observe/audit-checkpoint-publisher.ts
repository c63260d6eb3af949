/**
 * Sends each checkpoint off the host as it is written: one JSON POST per checkpoint to the telemetry
 * endpoint, `{"kind":"audit.checkpoint","trail":…,"line":…}`, where `line` is the checkpoint's exact
 * line (keep the lines, in order, in a file: that file is a copy `audit verify --checkpoints` reads).
 * A copy kept where the trail's writers cannot rewrite it is what makes a cut or rewritten trail
 * detectable even by someone who can edit both the trail and its checkpoint file.
 */
import { type AuditCheckpoint, formatCheckpointLine } from './audit-checkpoint.js';

/** The body of a checkpoint POST. */
export interface CheckpointMessage {
  kind: 'audit.checkpoint';
  /** The trail (path, or database URL without password). */
  trail: string;
  /** The checkpoint's line, byte for byte as in the trail's checkpoint file. */
  line: string;
}

/** Options of `CheckpointPublisher`. */
export interface CheckpointPublisherOptions {
  /** Where to POST. */
  endpoint: string;
  /** The trail the checkpoints belong to, as reported in each message. */
  trail: string;
  /** Default the global `fetch`. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Per POST (default 5000 ms). */
  timeoutMs?: number;
}

/** Posts checkpoints; never throws, counts what it could not send. */
export class CheckpointPublisher {
  readonly #options: CheckpointPublisherOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #sent = 0;
  #failed = 0;

  /** @param options where and how to post */
  constructor(options: CheckpointPublisherOptions) {
    this.#options = options;
  }

  /** Checkpoints sent and failed so far. */
  stats(): { sent: number; failed: number } {
    return { sent: this.#sent, failed: this.#failed };
  }

  /** Posts one checkpoint in the background (an `onCheckpoint` hook). */
  publish = (checkpoint: AuditCheckpoint): void => {
    const message: CheckpointMessage = {
      kind: 'audit.checkpoint',
      trail: this.#options.trail,
      line: formatCheckpointLine(checkpoint),
    };
    const post = this.#post(message).finally(() => this.#inFlight.delete(post));
    this.#inFlight.add(post);
  };

  /** Resolves when every post started so far has ended. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  async #post(message: CheckpointMessage): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#options.timeoutMs ?? 5000);
    try {
      const response = await (this.#options.fetch ?? fetch)(this.#options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: controller.signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) this.#sent += 1;
      else this.#failed += 1;
    } catch {
      this.#failed += 1;
    } finally {
      clearTimeout(timer);
    }
  }
}
