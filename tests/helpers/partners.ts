import { expect } from 'vitest';
import { type ApiClient, uniq } from './app.js';

/** An email domain no company has yet. */
export const newDomain = () => `p${uniq()}.test`;

/** A valid create body for a partner at `domain` (a new company unless one has that domain). */
export function partnerBody(domain: string = newDomain(), overrides: Record<string, unknown> = {}) {
  return {
    name: `Partner ${domain}`,
    emails: [{ email: `ann@${domain}`, firstName: 'Ann', lastName: 'Lee' }],
    partnerType: 'referral',
    ...overrides,
  };
}

/**
 * POST /v1/partners that must succeed; returns the created partner object as GET shows it
 * (without the `invitations` that only the creating response carries).
 */
export async function invitePartner(
  api: ApiClient,
  key: string,
  domain: string = newDomain(),
  overrides: Record<string, unknown> = {},
) {
  const res = await api.post('/v1/partners', { key, body: partnerBody(domain, overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const { invitations, ...partner } = res.body;
  expect(Array.isArray(invitations)).toBe(true);
  return partner;
}

/** The ids of a list response's items, in order. */
export const ids = (res: { body: { data: { id: number }[] } }) => res.body.data.map((item) => item.id);
