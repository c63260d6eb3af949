import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { resolveGuideId } from '../../src/guides/guide-lookup.js';
import { closeAll, emulatorFor, guidesApiFor, newRequests, routeCounts } from './guides-test-kit.js';

afterEach(closeAll);

describe('resolveGuideId', () => {
  it('takes an id as given (no request), and finds a name case-insensitively', async () => {
    const emulator = await emulatorFor();
    const api = guidesApiFor(emulator);
    const guide = await api.createGuide({ name: 'Refund assistant', source: 'Manual' });
    const before = routeCounts(emulator);
    expect(await resolveGuideId(api, guide.id)).toBe(guide.id);
    expect(newRequests(before, routeCounts(emulator))).toEqual({});
    expect(await resolveGuideId(api, 'refund ASSISTANT')).toBe(guide.id);
  });

  it('refuses a name that matches none or several, naming the field guide', async () => {
    const emulator = await emulatorFor();
    const api = guidesApiFor(emulator);
    const none = await resolveGuideId(api, 'Nobody').catch((e: unknown) => e);
    expect(none).toBeInstanceOf(ValidationError);
    expect((none as ValidationError).field).toBe('guide');
    expect((none as Error).message).toContain('guide deploy');
    await api.createGuide({ name: 'Twin', source: 'Manual' });
    await api.createGuide({ name: 'twin', source: 'Manual' });
    const several = await resolveGuideId(api, 'Twin').catch((e: unknown) => e);
    expect((several as Error).message).toContain('names 2 guides');
  });
});
