import { describe, expect, it } from 'vitest';
import { CALLER_FACTS, rules } from '../../src/modules/api-keys/api-keys.create.js';

// Creating an API key: the rules over the facts, without a database.

const NOW = Date.parse('2025-06-01T12:00:00Z');
const input = { companyId: 3, permission: 'read' as const };

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    const e = err as { status: number; message: string; details?: unknown };
    return { status: e.status, message: e.message, details: e.details };
  }
  throw new Error('expected an error');
};

describe('api key create: rules', () => {
  it('plans the row: the user it acts as (none: an operator key), name, permission, expiry', () => {
    expect(rules(CALLER_FACTS, input, NOW)).toEqual({
      company_id: 3,
      user_id: null,
      name: null,
      permission: 'read',
      expires_at: null,
    });
    const expiresAt = new Date(NOW + 1000);
    expect(rules(CALLER_FACTS, { ...input, userId: 9, name: 'CI', expiresAt }, NOW)).toMatchObject({
      user_id: 9,
      name: 'CI',
      expires_at: expiresAt,
    });
  });

  it('404 without the company, then 400 for a user of another company, then 400 for a past expiry', () => {
    const past = { ...input, userId: 9, expiresAt: new Date(NOW) };
    expect(errorOf(() => rules({ company: false, user: false }, past, NOW))).toMatchObject({
      status: 404,
      message: 'Company not found',
    });
    expect(errorOf(() => rules({ company: true, user: false }, past, NOW))).toMatchObject({
      status: 400,
      message: 'User 9 does not belong to company 3',
    });
    expect(errorOf(() => rules({ company: true, user: true }, past, NOW))).toEqual({
      status: 400,
      message: 'Expiry must be in the future',
      details: [{ path: 'expires_at', message: 'must be in the future' }],
    });
  });
});
