import { describe, expect, it } from 'vitest';
import type { DeliveryWithAttempts } from '../../src/modules/webhooks/webhooks.repository.js';
import { retryOutcome, testOutcome, updatePlan } from '../../src/modules/webhooks/webhooks.rules.js';

// The webhook commands' rules (update, test event, retry), over what each one-statement write
// reported, without a database.

const delivery = { id: 5 } as DeliveryWithAttempts;
const DISABLED = 'This webhook endpoint is disabled: re-enable it (PATCH with "active": true) first';
const SENDING = 'This delivery is being sent right now; retry it once the attempt has finished';

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    const e = err as { status: number; message: string };
    return { status: e.status, message: e.message };
  }
  throw new Error('expected an error');
};

describe('webhook update: the plan', () => {
  it('separates active from the fields sent; nothing sent changes nothing', () => {
    expect(updatePlan({ url: 'https://a.test/h', description: null, active: false })).toEqual({
      fields: { url: 'https://a.test/h', description: null },
      active: false,
      changesNothing: false,
    });
    expect(updatePlan({ active: true }).changesNothing).toBe(false);
    expect(updatePlan({ description: undefined }).changesNothing).toBe(true);
  });
});

describe('test event', () => {
  it('is the delivery made, or 404 (no such endpoint), or 409 (disabled)', () => {
    expect(testOutcome({ endpointActive: true, delivery })).toBe(delivery);
    expect(errorOf(() => testOutcome({ endpointActive: null, delivery: undefined }))).toEqual({
      status: 404,
      message: 'Webhook not found',
    });
    expect(errorOf(() => testOutcome({ endpointActive: false, delivery: undefined }))).toEqual({
      status: 409,
      message: DISABLED,
    });
  });
});

describe('retry', () => {
  it('is the delivery requeued', () => {
    expect(retryOutcome({ endpointActive: true, deliveryFree: true, delivery })).toBe(delivery);
  });

  it.each([
    [{ endpointActive: null, deliveryFree: null }, 404, 'Webhook not found'],
    [{ endpointActive: true, deliveryFree: null }, 404, 'Delivery not found'],
    [{ endpointActive: false, deliveryFree: null }, 404, 'Delivery not found'],
    // Being sent is reported before a disabled endpoint, as it always was.
    [{ endpointActive: false, deliveryFree: false }, 409, SENDING],
    [{ endpointActive: true, deliveryFree: false }, 409, SENDING],
    [{ endpointActive: false, deliveryFree: true }, 409, DISABLED],
    // Free when read, taken by a worker before the update: being sent.
    [{ endpointActive: true, deliveryFree: true }, 409, SENDING],
  ])('%j → %i', (found, status, message) => {
    expect(errorOf(() => retryOutcome({ ...found, delivery: undefined }))).toEqual({ status, message });
  });
});
