/**
 * Seeded fault decisions. Three independent PRNG streams (API requests, conversations, frames) so the
 * sequence of injected HTTP statuses depends only on the original design and the request order, not on socket timing.
 */
import type { EmulatorFaults } from './emulator-options.js';
import { createSeededRandom, type SeededRandom } from '../seeded-random.js';

/** What to do to one `/api/v2` request. */
export type ApiFault =
  | { kind: 'none' }
  | { kind: 'rate429'; retryAfterSeconds: number }
  | { kind: 'status5xx'; status: 500 | 502 | 503; afterCreate: boolean };

/** Counters of injected faults. */
export interface InjectedCounts {
  rate429: number;
  rate5xx: number;
  drops: number;
  malformedFrames: number;
  socketClosing: number;
  latency: number;
}

const SERVER_ERRORS = [500, 502, 503] as const;

/** Validates a faults object from the control endpoint; returns a problem, or undefined when valid. */
export function faultsProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'faults must be a JSON object';
  const shares = ['rate429', 'rate5xx', 'dropRate', 'malformedFrameRate'];
  const counts = ['seed', 'retryAfterSeconds', 'latencyMs', 'dropAfterChunks', 'socketClosingAfterMs'];
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined || field === null) continue;
    if (typeof field !== 'number' || !Number.isFinite(field)) return `${key} must be a number`;
    if (shares.includes(key)) {
      if (field < 0 || field > 1) return `${key} must be between 0 and 1`;
    } else if (counts.includes(key)) {
      if (key !== 'seed' && field < 0) return `${key} must not be negative`;
    } else {
      return `unknown fault "${key}"`;
    }
  }
  const { rate429 = 0, rate5xx = 0 } = value as EmulatorFaults;
  if (rate429 + rate5xx > 1) return 'rate429 + rate5xx must not exceed 1';
  return undefined;
}

/** Decides, from the original design, which requests, conversations and frames get a fault, and counts them. */
export class FaultInjector {
  #faults: EmulatorFaults = {};
  #api: SeededRandom = createSeededRandom(1);
  #conversations: SeededRandom = createSeededRandom(1);
  #frames: SeededRandom = createSeededRandom(1);
  /** Counts of each fault injected since start. */
  readonly counts: InjectedCounts = {
    rate429: 0,
    rate5xx: 0,
    drops: 0,
    malformedFrames: 0,
    socketClosing: 0,
    latency: 0,
  };

  constructor(faults: EmulatorFaults = {}) {
    this.set(faults);
  }

  /** Replaces the faults and reseeds every stream. */
  set(faults: EmulatorFaults): void {
    this.#faults = { ...faults };
    const seed = Math.floor(faults.seed ?? 1);
    this.#api = createSeededRandom(seed);
    this.#conversations = createSeededRandom(seed ^ 0x9e3779b9);
    this.#frames = createSeededRandom(seed ^ 0x85ebca6b);
  }

  /** The faults in force. */
  get faults(): Readonly<EmulatorFaults> {
    return this.#faults;
  }

  /** Latency to add to an `/api/v2` answer (counted when non-zero). */
  latencyMs(): number {
    const latency = this.#faults.latencyMs ?? 0;
    if (latency > 0) this.counts.latency += 1;
    return latency;
  }

  /** The fault for the next `/api/v2` request (counted by the caller when applied). */
  nextApiFault(): ApiFault {
    const rate429 = this.#faults.rate429 ?? 0;
    const rate5xx = this.#faults.rate5xx ?? 0;
    if (rate429 <= 0 && rate5xx <= 0) return { kind: 'none' };
    const draw = this.#api();
    if (draw < rate429) return { kind: 'rate429', retryAfterSeconds: this.#faults.retryAfterSeconds ?? 1 };
    if (draw < rate429 + rate5xx) {
      const status = SERVER_ERRORS[Math.floor(this.#api() * SERVER_ERRORS.length)] ?? 500;
      return { kind: 'status5xx', status, afterCreate: this.#api() < 0.5 };
    }
    return { kind: 'none' };
  }

  /**
   * The chunk after which a new conversation's sockets are terminated, or 0 for none.
   * @param chunkCount chunks the conversation will send
   */
  dropAtChunk(chunkCount: number): number {
    const after = this.#faults.dropAfterChunks ?? 0;
    if (after > 0) return after <= chunkCount ? Math.floor(after) : 0;
    const rate = this.#faults.dropRate ?? 0;
    if (rate <= 0 || chunkCount === 0) return 0;
    if (this.#conversations() >= rate) return 0;
    return 1 + Math.floor(this.#conversations() * chunkCount);
  }

  /** True when the next frame is to be preceded by a garbage frame (counted). */
  malformedFrame(): boolean {
    const rate = this.#faults.malformedFrameRate ?? 0;
    if (rate <= 0 || this.#frames() >= rate) return false;
    this.counts.malformedFrames += 1;
    return true;
  }

  /** Delay after which every new channel socket gets `socket_closing`, or 0 for never. */
  socketClosingAfterMs(): number {
    return this.#faults.socketClosingAfterMs ?? 0;
  }
}
