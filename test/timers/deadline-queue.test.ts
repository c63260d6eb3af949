import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineEntry, DeadlineQueue } from '../../src/timers/deadline-queue.js';

class Entry extends DeadlineEntry {
  constructor(
    readonly name: string,
    readonly fired: string[],
  ) {
    super();
  }
  onDeadline(): void {
    this.fired.push(this.name);
  }
}

describe('DeadlineQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires each entry at its own deadline, one timer per duration', () => {
    const fired: string[] = [];
    const queue = new DeadlineQueue();
    queue.add(new Entry('a', fired), 100);
    vi.advanceTimersByTime(30);
    queue.add(new Entry('b', fired), 100);
    queue.add(new Entry('c', fired), 50);
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(49);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['c']);
    vi.advanceTimersByTime(20);
    expect(fired).toEqual(['c', 'a']);
    vi.advanceTimersByTime(29);
    expect(fired).toEqual(['c', 'a']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['c', 'a', 'b']);
    expect(queue.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a removed entry never fires, and the last removal clears the timer', () => {
    const fired: string[] = [];
    const queue = new DeadlineQueue();
    const a = new Entry('a', fired);
    const b = new Entry('b', fired);
    const c = new Entry('c', fired);
    queue.add(a, 100);
    vi.advanceTimersByTime(10);
    queue.add(b, 100);
    vi.advanceTimersByTime(10);
    queue.add(c, 100);
    queue.remove(b);
    queue.remove(b);
    queue.remove(a);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['c']);
    queue.add(a, 100);
    queue.remove(a);
    expect(vi.getTimerCount()).toBe(0);
    expect(queue.size).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(['c']);
  });

  it('entries due together fire together, in order; one added while firing is timed anew', () => {
    const fired: string[] = [];
    const queue = new DeadlineQueue();
    const late = new Entry('late', fired);
    class Chaining extends Entry {
      override onDeadline(): void {
        super.onDeadline();
        queue.add(late, 100);
      }
    }
    queue.add(new Chaining('x', fired), 100);
    queue.add(new Entry('y', fired), 100);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['x', 'y']);
    vi.advanceTimersByTime(99);
    expect(fired).toEqual(['x', 'y']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['x', 'y', 'late']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
