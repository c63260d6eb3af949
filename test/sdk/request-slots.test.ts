import { describe, expect, it } from 'vitest';
import { AbortError, ConnectionError } from '../../src/errors.js';
import { RequestSlots } from '../../src/sdk/request-slots.js';

/** Settles pending promise callbacks. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RequestSlots', () => {
  it('hands out its slots at once, then makes callers wait in arrival order', async () => {
    const slots = new RequestSlots(2);
    expect(slots.tryTake()).toBe(true);
    await slots.take();
    expect(slots.tryTake()).toBe(false);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => slots.take().then(() => order.push(n)));
    expect(slots.waiting).toBe(3);
    slots.give();
    await settle();
    expect(order).toEqual([1]);
    slots.give();
    slots.give();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    expect(slots.waiting).toBe(0);
    // Both slots are held again (by the last two served): none is free until one is given back.
    expect(slots.tryTake()).toBe(false);
    slots.give();
    expect(slots.tryTake()).toBe(true);
  });

  it('lets an aborted waiter go without a slot; the next one gets it', async () => {
    const slots = new RequestSlots(1);
    expect(slots.tryTake()).toBe(true);
    const controller = new AbortController();
    const first = slots.take(controller.signal);
    const second = slots.take();
    controller.abort();
    await expect(first).rejects.toBeInstanceOf(AbortError);
    expect(slots.waiting).toBe(1);
    slots.give();
    await second;
    expect(slots.tryTake()).toBe(false);
    slots.give();
    expect(slots.tryTake()).toBe(true);
    // A signal that fired before the call: refused at once, nothing queued.
    await expect(slots.take(AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
    expect(slots.waiting).toBe(0);
  });

  it('fails every waiter when the client closes', async () => {
    const slots = new RequestSlots(1);
    await slots.take();
    const waits = [slots.take(), slots.take()];
    slots.rejectWaiting(new ConnectionError('the HTTP client is closed', { code: 'client.closed' }));
    for (const wait of waits) await expect(wait).rejects.toBeInstanceOf(ConnectionError);
    expect(slots.waiting).toBe(0);
  });

  it('serves a long queue in order (it compacts as it goes)', async () => {
    const slots = new RequestSlots(1);
    await slots.take();
    const served: number[] = [];
    const waits = Array.from({ length: 5000 }, (_, n) => slots.take().then(() => served.push(n)));
    for (let n = 0; n < 5000; n++) slots.give();
    await Promise.all(waits);
    expect(served).toEqual(Array.from({ length: 5000 }, (_, n) => n));
  });

  it('has no limit at Infinity, and refuses a size below 1', () => {
    const slots = new RequestSlots(Infinity);
    for (let n = 0; n < 10_000; n++) expect(slots.tryTake()).toBe(true);
    for (const bad of [0, -1, Number.NaN]) expect(() => new RequestSlots(bad)).toThrow(RangeError);
  });
});
