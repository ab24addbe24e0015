import { describe, expect, it } from 'vitest';
import { createRules, updateRules } from '../../src/modules/users/users.commands.js';

// The user commands' rules, without a database. What only the database can know at the moment
// of the write (a taken email, the last active admin) is refused by the write itself: see
// tests/modules/users.test.ts and tests/modules/me-and-company.test.ts.

describe('user create rules', () => {
  it('writes the fields sent and leaves the others to their defaults', () => {
    expect(createRules(3, { email: 'ann@acme.example', first_name: 'Ann', color: null }, 11)).toEqual({
      companyId: 3,
      values: { email: 'ann@acme.example', first_name: 'Ann', color: null },
      apiKeyId: 11,
    });
  });
});

describe('user update rules', () => {
  it('an empty body changes nothing', () => {
    expect(updateRules({})).toEqual({ unchanged: true });
  });

  it('a change of fields neither demotes nor ends sessions', () => {
    expect(updateRules({ first_name: 'Bo', role: 'admin', disabled_at: null })).toEqual({
      changes: { first_name: 'Bo', role: 'admin', disabled_at: null },
      demotes: false,
      endsSessions: false,
    });
  });

  it('taking the admin role away demotes', () => {
    expect(updateRules({ role: 'partnerships' })).toMatchObject({ demotes: true, endsSessions: false });
  });

  it('a deactivation demotes and ends the sessions', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(updateRules({ disabled_at: at })).toEqual({
      changes: { disabled_at: at },
      demotes: true,
      endsSessions: true,
    });
  });
});
