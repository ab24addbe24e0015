import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { companies, contacts, events, users } from '../../src/db/schema/index.js';
import { uniq } from '../helpers/app.js';
import { useTestApp } from '../helpers/catalogue-api.js';
import { makeCustomField } from '../helpers/catalogue-factories.js';
import { makeTenant } from '../helpers/factories.js';
import { invite } from '../helpers/notifications.js';
import { invitePartner, newDomain, partnerBody } from '../helpers/partners.js';

// Partner commands read their facts, decide, then write in one statement: what changes between
// the read and the write is caught by guards and constraints in the write, with the answers a
// sequential run would give. Each race is sent as concurrent requests.

const ctx = useTestApp();
const db = () => ctx.t.database.db;

const statuses = (list: { status: number }[]) => list.map((r) => r.status).sort();

async function eventCount(companyId: number, type: string): Promise<number> {
  const [row] = await db()
    .select({ n: sql<number>`count(*)::int` })
    .from(events)
    .where(sql`${events.company_id} = ${companyId} AND ${events.type} = ${type}`);
  return row!.n;
}

describe('partners: races', () => {
  it('two answers at once: one wins, the other is the 409 a later answer gets; one event per company', async () => {
    const inviter = await makeTenant(db());
    const invited = await makeTenant(db());
    const { theirs } = await invite(ctx.t.api, inviter.writeKey, invited);
    const before = await eventCount(inviter.company.id, 'partners.update');
    const answers = await Promise.all(
      (['accept', 'accept', 'decline'] as const).map((answer) =>
        ctx.t.api.post(`/v1/partners/${theirs.id}/${answer}`, { key: invited.writeKey }),
      ),
    );
    expect(statuses(answers)).toEqual([200, 409, 409]);
    const won = answers.find((r) => r.status === 200)!;
    const status = won.body.partnership.status;
    for (const lost of answers.filter((r) => r.status === 409)) {
      expect(lost.body.error).toMatch(
        new RegExp(`^This partnership is ${status}: only a pending invitation can be (accepted|declined)$`),
      );
    }
    expect(await eventCount(inviter.company.id, 'partners.update')).toBe(before + 1);
    const view = await ctx.t.api.get(`/v1/partners/${theirs.id}`, { key: invited.readKey });
    expect(view.body.partnership.status).toBe(status);
  });

  it('two companies inviting the same new domain at once: one company is created, both are linked to it', async () => {
    const [a, b] = [await makeTenant(db()), await makeTenant(db())];
    const domain = newDomain();
    const created = await Promise.all(
      [a, b].map((t) => ctx.t.api.post('/v1/partners', { key: t.writeKey, body: partnerBody(domain) })),
    );
    expect(statuses(created)).toEqual([201, 201]);
    const rows = await db().select().from(companies).where(eq(companies.domain, domain));
    expect(rows).toHaveLength(1);
    expect(created.map((r) => r.body.partner.id)).toEqual([rows[0]!.id, rows[0]!.id]);
    // The people become users of the company once; only its creator's answer carries their links.
    const people = await db().select().from(users).where(eq(users.company_id, rows[0]!.id));
    expect(people.map((u) => u.email)).toEqual([`ann@${domain}`]);
    expect(created.map((r) => r.body.invitations.length).sort()).toEqual([0, 1]);
    // The second inviter found an existing company: that company is told too (it has a side).
    const sides = await ctx.t.api.get('/v1/partners', { key: a.readKey });
    expect(sides.body.data.map((p: { partner: { id: number } }) => p.partner.id)).toEqual([rows[0]!.id]);
  });

  it('one company inviting the same new domain twice at once: one 201, one 409, nothing written twice', async () => {
    const me = await makeTenant(db());
    const domain = newDomain();
    const created = await Promise.all(
      [1, 2].map(() => ctx.t.api.post('/v1/partners', { key: me.writeKey, body: partnerBody(domain) })),
    );
    expect(statuses(created)).toEqual([201, 409]);
    expect(created.find((r) => r.status === 409)!.body).toEqual({
      error: `A referral partnership with ${domain} already exists`,
      code: 'conflict',
    });
    const mine = await db().select().from(contacts).where(eq(contacts.company_id, me.company.id));
    expect(mine).toHaveLength(1);
    expect(await eventCount(me.company.id, 'partners.create')).toBe(1);
  });

  it('withdrawing an invitation while it is answered: the later one is a 409 and writes nothing', async () => {
    const inviter = await makeTenant(db());
    const invited = await makeTenant(db());
    const field = await makeCustomField(db(), inviter.company.id, 'text', { label: `Note ${uniq()}` });
    const { mine, theirs } = await invite(ctx.t.api, inviter.writeKey, invited);
    const [withdrawn, accepted] = await Promise.all([
      ctx.t.api.patch(`/v1/partners/${mine.id}`, {
        key: inviter.writeKey,
        body: {
          inactive: true,
          tags: [],
          customFields: [{ customFieldId: field.id, type: 'text', value: { text: 'withdrawn' } }],
        },
      }),
      ctx.t.api.post(`/v1/partners/${theirs.id}/accept`, { key: invited.writeKey }),
    ]);
    expect(statuses([withdrawn, accepted])).toEqual([200, 409]);
    const view = await ctx.t.api.get(`/v1/partners/${mine.id}`, { key: inviter.readKey });
    if (withdrawn.status === 200) {
      expect(view.body.partnership.status).toBe('inactive');
      expect(view.body.custom_fields).toMatchObject([{ id: field.id, value: { text: 'withdrawn' } }]);
      expect(accepted.body.error).toBe(
        'This partnership is inactive: only a pending invitation can be accepted',
      );
    } else {
      expect(view.body.partnership.status).toBe('accepted');
      expect(view.body.custom_fields).toEqual([]);
      expect(withdrawn.body.error).toMatch(
        /^(The partnership changed meanwhile; read it and try again|This partnership is accepted: only a pending invitation can be withdrawn)$/,
      );
    }
  });

  it('two contacts with one email at once: one 201, one 409', async () => {
    const me = await makeTenant(db());
    const domain = newDomain();
    const partner = await invitePartner(ctx.t.api, me.writeKey, domain);
    const email = `cara@${domain}`;
    const created = await Promise.all(
      [email, email.toUpperCase()].map((e) =>
        ctx.t.api.post('/v1/contacts', { key: me.writeKey, body: { email: e, partnership_id: partner.id } }),
      ),
    );
    expect(statuses(created)).toEqual([201, 409]);
    expect(created.find((r) => r.status === 409)!.body.error).toMatch(
      /^A contact with email '.*' already exists for this partner$/,
    );
  });
});
