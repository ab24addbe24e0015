import { randomBytes } from 'node:crypto';
import { knownCaller } from '../core/auth-context.js';
import type { Db } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { ApiKeyService } from '../modules/api-keys/api-keys.service.js';
import { campaignSchemas } from '../modules/catalogues/campaigns/campaigns.schemas.js';
import { customFieldSchemas } from '../modules/catalogues/custom-fields/custom-fields.schemas.js';
import { createCatalogueServices } from '../modules/catalogues/index.js';
import { tagSchemas } from '../modules/catalogues/tags/tags.schemas.js';
import { CompanyService } from '../modules/companies/companies.service.js';
import { tierCommission } from '../modules/deals/index.js';
import { CreatePartnerBody, ListPartnersQuery } from '../modules/partners/partners.schemas.js';
import { PartnerService } from '../modules/partners/partners.service.js';
import { UserService } from '../modules/users/users.service.js';

// `journeybee seed --demo`: two companies in an accepted referral partnership, each with users,
// lead tags, lead custom fields (a number and a text, none required), a campaign, and a read and
// a write key. Everything goes through the services and the same schemas requests are checked
// with. A random suffix keeps email domains unique, so the command can run more than once.

export interface DemoCompany {
  id: number;
  uuid: string;
  name: string;
  domain: string;
  users: { id: number; email: string; first_name: string | null; last_name: string | null; role: string }[];
  keys: { read: string; write: string };
  tags: { id: number; label: string; association: string }[];
  customFields: { id: number; label: string; type: string; category: string }[];
  campaigns: { id: number; title: string }[];
  partners: { id: number; partnership_id: number; partner_company_id: number; partner_type: string }[];
}

const PEOPLE = [
  ['Avery', 'Admin', 'admin'],
  ['Parker', 'Partnerships', 'partnerships'],
] as const;

export async function seedDemo(db: Db, logger: Logger): Promise<{ companies: DemoCompany[] }> {
  const suffix = randomBytes(3).toString('hex');
  const catalogues = createCatalogueServices(db, tierCommission);
  const usersService = new UserService(db);
  const keysService = new ApiKeyService(db, logger);

  const makeCompany = async (name: string, slug: string): Promise<DemoCompany> => {
    const domain = `${slug}-${suffix}.example`;
    const company = await new CompanyService(db).create({ name, domain });
    const users: DemoCompany['users'] = [];
    for (const [first, last, role] of PEOPLE) {
      const user = await usersService.create(company.id, {
        email: `${first.toLowerCase()}@${domain}`,
        first_name: first,
        last_name: last,
        role,
      });
      users.push({
        id: user.id,
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
        role,
      });
    }
    const admin = users[0]!;
    const key = async (permission: 'read' | 'write') =>
      (
        await keysService.create({
          companyId: company.id,
          permission,
          userId: admin.id,
          name: `demo ${permission}`,
        })
      ).key;
    const tags = [];
    for (const [label, color] of [
      ['Hot', '#DC2626'],
      ['Enterprise', '#2563EB'],
    ] as const) {
      const tag = await catalogues.tags.create(
        company.id,
        tagSchemas.create.parse({ label, association: 'lead', background_color: color }),
      );
      tags.push({ id: tag.id, label: tag.label, association: tag.association });
    }
    const customFields = [];
    for (const [label, type] of [
      ['Deal size', 'number'],
      ['Referral notes', 'text'],
    ] as const) {
      const field = await catalogues.customFields.create(
        company.id,
        customFieldSchemas.create.parse({ label, type, category: 'lead' }),
      );
      customFields.push({ id: field.id, label: field.label, type: field.type, category: field.category });
    }
    const campaign = await catalogues.campaigns.create(
      company.id,
      campaignSchemas.create.parse({ title: `${name} spring campaign`, status: 'active' }),
    );
    return {
      id: company.id,
      uuid: company.uuid,
      name: company.name,
      domain,
      users,
      keys: { read: await key('read'), write: await key('write') },
      tags,
      customFields,
      campaigns: [{ id: campaign.id, title: campaign.title }],
      partners: [],
    };
  };

  const a = await makeCompany('Northwind Traders', 'northwind');
  const b = await makeCompany('Contoso Partners', 'contoso');

  // A invites B (an existing company, matched by its email domain), B accepts with its own side.
  const partners = new PartnerService(db);
  const invite = await partners.create(
    { companyId: a.id, userId: a.users[0]!.id },
    CreatePartnerBody.parse({
      name: b.name,
      partnerType: 'referral',
      emails: [
        { email: b.users[0]!.email, firstName: b.users[0]!.first_name, lastName: b.users[0]!.last_name },
      ],
    }),
  );
  const received = await partners.list(
    knownCaller({
      method: 'api_key',
      keyId: null,
      sessionId: null,
      companyId: b.id,
      userId: b.users[0]!.id,
      role: 'admin',
      permission: 'read',
    }),
    ListPartnersQuery.parse({ pageSize: '50' }),
  );
  const bSide = received.data.find((p) => p.partnership_id === invite.partnership_id);
  if (!bSide) throw new Error('the invited company does not see the partnership');
  await partners.respond({ companyId: b.id, userId: null }, bSide.id, 'accept');

  a.partners.push({
    id: invite.id,
    partnership_id: invite.partnership_id,
    partner_company_id: b.id,
    partner_type: 'referral',
  });
  b.partners.push({
    id: bSide.id,
    partnership_id: bSide.partnership_id,
    partner_company_id: a.id,
    partner_type: 'referral',
  });
  return { companies: [a, b] };
}
