import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError, TimeoutError } from '../src/errors.js';
import { InjectionSignal } from '../src/injection-signal.js';
import { DeadlineQueue } from '../src/timers/deadline-queue.js';

describe('InjectionSignal', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times out at its deadline: listeners run once, the AbortSignal fires, the reason is a TimeoutError', () => {
    const sig = new InjectionSignal(undefined, 1000, new DeadlineQueue());
    const calls: string[] = [];
    sig.addEventListener('abort', () => calls.push('one'));
    sig.addEventListener('abort', () => calls.push('two'));
    const removed = (): number => calls.push('removed');
    sig.addEventListener('abort', removed);
    sig.removeEventListener('abort', removed);
    const real = sig.signal;
    expect(sig.deadlineAt).toBe(Date.now() + 1000);
    vi.advanceTimersByTime(999);
    expect(sig.aborted).toBe(false);
    expect(real.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(sig.aborted).toBe(true);
    expect(real.aborted).toBe(true);
    expect(calls).toEqual(['one', 'two']);
    expect(sig.reason()).toBeInstanceOf(TimeoutError);
    expect(sig.reason().message).toContain('1000 ms');
    sig.abort();
    expect(calls).toEqual(['one', 'two']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("follows the caller's signal, and detaches from it on dispose", () => {
    const caller = new AbortController();
    const sig = new InjectionSignal(caller.signal, 1000, new DeadlineQueue());
    let fired = 0;
    sig.addEventListener('abort', () => (fired += 1));
    caller.abort();
    expect(sig.aborted).toBe(true);
    expect(fired).toBe(1);
    expect(sig.reason()).toBeInstanceOf(AbortError);
    expect(sig.reason()).not.toBeInstanceOf(TimeoutError);
    expect(vi.getTimerCount()).toBe(0);

    const other = new AbortController();
    const disposed = new InjectionSignal(other.signal, 1000, new DeadlineQueue());
    disposed.addEventListener('abort', () => (fired += 1));
    disposed.dispose();
    other.abort();
    vi.advanceTimersByTime(2000);
    expect(disposed.aborted).toBe(false);
    expect(fired).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an already aborted caller signal makes it aborted at once, with no timer; its AbortSignal is aborted too', () => {
    const sig = new InjectionSignal(AbortSignal.abort(), 1000, new DeadlineQueue());
    expect(sig.aborted).toBe(true);
    expect(sig.signal.aborted).toBe(true);
    let fired = false;
    sig.addEventListener('abort', () => (fired = true));
    expect(fired).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a bad duration still makes a valid timer: NaN and negative time out at once, Infinity is capped', () => {
    const queue = new DeadlineQueue();
    const nan = new InjectionSignal(undefined, Number.NaN, queue);
    const negative = new InjectionSignal(undefined, -5, queue);
    const endless = new InjectionSignal(undefined, Number.POSITIVE_INFINITY, queue);
    vi.advanceTimersByTime(1);
    expect(nan.aborted).toBe(true);
    expect(negative.aborted).toBe(true);
    expect(endless.aborted).toBe(false);
    endless.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});
