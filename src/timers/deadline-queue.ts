/**
 * Deadlines of many injections on one timer per distinct duration, instead of a Node `Timeout` (about
 * 200 bytes, with async-hook bookkeeping) per injection. Injections of one injector nearly always
 * share a deadline duration, and on a monotonic clock a deadline set later with the same duration
 * passes later: each duration's entries form a first-in, first-out list whose head alone needs a
 * timer. Removing an entry is O(1) (it is a list node).
 */
import { timerDelay } from './timer-delay.js';

/** A node of the queue: when its deadline passes and what then happens. Subclassed by what is timed. */
export abstract class DeadlineEntry {
  /** When the deadline passes, in `performance.now()` ms (monotonic: a clock change moves nothing). */
  dueAt = 0;
  /** The list the entry is on, while it is timed. */
  deadlineList: DeadlineList | undefined;
  prevEntry: DeadlineEntry | undefined;
  nextEntry: DeadlineEntry | undefined;
  /** The deadline passed; the entry has already left its list. */
  abstract onDeadline(): void;
}

/** The entries of one duration, oldest first, and the timer of the oldest. */
class DeadlineList {
  head: DeadlineEntry | undefined;
  tail: DeadlineEntry | undefined;
  timer: NodeJS.Timeout | undefined;
  /** When the timer fires, in `performance.now()` ms. */
  timerAt = 0;

  constructor(
    readonly durationMs: number,
    readonly queue: DeadlineQueue,
  ) {}

  readonly onTimer = (): void => {
    this.timer = undefined;
    const now = performance.now();
    // Several entries may be due together; each leaves the list before its deadline runs.
    for (let entry = this.head; entry !== undefined && entry.dueAt <= now; entry = this.head) {
      this.queue.remove(entry);
      entry.onDeadline();
    }
    this.arm();
  };

  /** Sets the timer for the head (none when empty), unless one already fires by then. */
  arm(): void {
    const head = this.head;
    if (head === undefined || this.timer === undefined || this.timerAt > head.dueAt) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (head === undefined || this.timer !== undefined) return;
    this.timerAt = head.dueAt;
    // Timers may fire up to a millisecond early: round up, so the head is due when it fires.
    this.timer = setTimeout(this.onTimer, timerDelay(Math.ceil(head.dueAt - performance.now())));
    // A deadline never keeps the process alive: the work it bounds does.
    this.timer.unref();
  }
}

export type { DeadlineList };

/** The deadlines of one owner (an injector). */
export class DeadlineQueue {
  readonly #lists = new Map<number, DeadlineList>();

  /**
   * Starts timing `entry`: its deadline passes `durationMs` from now.
   * @param entry an entry on no list
   * @param durationMs its duration
   */
  add(entry: DeadlineEntry, durationMs: number): void {
    entry.dueAt = performance.now() + durationMs;
    let list = this.#lists.get(durationMs);
    if (list === undefined) {
      list = new DeadlineList(durationMs, this);
      this.#lists.set(durationMs, list);
    }
    entry.deadlineList = list;
    entry.prevEntry = list.tail;
    entry.nextEntry = undefined;
    if (list.tail === undefined) list.head = entry;
    else list.tail.nextEntry = entry;
    list.tail = entry;
    if (list.head === entry) list.arm();
  }

  /**
   * Stops timing `entry` (nothing when it is not timed). A list left empty clears its timer.
   * @param entry the entry
   */
  remove(entry: DeadlineEntry): void {
    const list = entry.deadlineList;
    if (list === undefined) return;
    const { prevEntry, nextEntry } = entry;
    if (prevEntry === undefined) list.head = nextEntry;
    else prevEntry.nextEntry = nextEntry;
    if (nextEntry === undefined) list.tail = prevEntry;
    else nextEntry.prevEntry = prevEntry;
    entry.deadlineList = entry.prevEntry = entry.nextEntry = undefined;
    if (list.head === undefined) {
      list.arm();
      this.#lists.delete(list.durationMs);
    }
  }

  /** Durations with entries timed now (for tests). */
  get size(): number {
    return this.#lists.size;
  }
}
