import { describe, expect, it } from 'vitest';
import * as create from '../../src/modules/partners/contacts/contacts.create.js';
import {
  CreateContactBody,
  UpdateContactBody,
} from '../../src/modules/partners/contacts/contacts.schemas.js';
import * as update from '../../src/modules/partners/contacts/contacts.update.js';
import { tag, thrown } from './partners-fixtures.js';

// POST /v1/contacts and PATCH /v1/contacts/{id}, their rules without a database.

const side = { partner_type: 'reseller' as const, company_name: 'Globex' };

describe('contacts create rules', () => {
  const body = (over: Record<string, unknown> = {}) =>
    CreateContactBody.parse({ email: ' Cara@globex.test ', partnership_id: 5, ...over });

  it('plans the row with nulls for what is not sent, and the tags in list order', () => {
    const plan = create.rules(
      { side, refs: { tags: [tag(2, 'a'), tag(1, 'b')] } },
      1,
      body({ tags: [1, 2] }),
      9,
    );
    expect(plan).toEqual({
      companyId: 1,
      sideId: 5,
      contact: {
        email: 'Cara@globex.test',
        first_name: null,
        last_name: null,
        position: null,
        phone_number: null,
      },
      companyName: 'Globex',
      tags: [tag(2, 'a'), tag(1, 'b')],
      apiKeyId: 9,
    });
  });

  it('a partnership not the caller’s is a 400 on partnership_id (its tags are not checked)', () => {
    expect(
      thrown(() => create.rules({ side: null, refs: { tags: [] } }, 1, body({ tags: [3] }), null)).details,
    ).toEqual([{ path: 'partnership_id', message: 'no partner with id 5 in your company' }]);
    expect(
      thrown(() => create.rules({ side, refs: { tags: [tag(1)] } }, 1, body({ tags: [1, 3] }), null)).details,
    ).toEqual([{ path: 'tags', message: 'Unknown reseller partner tag id(s) for your company: 3' }]);
  });
});

describe('contacts update rules', () => {
  const facts = { partner_type: 'referral' as const, company_name: 'Globex', refs: { tags: [tag(1)] } };
  const body = (over: Record<string, unknown>) => UpdateContactBody.parse(over);

  it('404 first, then the tags; only the columns sent are set', () => {
    expect(thrown(() => update.rules(undefined, 1, 7, body({ tags: [99] }), null)).status).toBe(404);
    expect(thrown(() => update.rules(facts, 1, 7, body({ tags: [99] }), null)).details).toEqual([
      { path: 'tags', message: 'Unknown referral partner tag id(s) for your company: 99' },
    ]);
    expect(update.rules(facts, 1, 7, body({ position: null, last_name: 'Queen' }), null)).toEqual({
      companyId: 1,
      id: 7,
      set: { last_name: 'Queen', position: null },
      tags: undefined,
      companyName: 'Globex',
      apiKeyId: null,
    });
    expect(update.rules(facts, 1, 7, body({ tags: [] }), null).tags).toEqual([]);
  });
});
