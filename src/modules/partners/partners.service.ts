import type { AuthContext } from '../../core/auth-context.js';
import { ApiError, notFound } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db, Executor } from '../../db/database.js';
import { isUniqueViolation, pgConstraint } from '../../db/errors.js';
import type { PartnershipStatus } from '../../db/schema/index.js';
import type { InvitationService, PartnerInvitationOut } from '../accounts/index.js';
import { companiesRepository } from '../companies/index.js';
import {
  checkCustomFieldValues,
  customFieldValuesFor,
  removeCustomFieldValues,
  saveCustomFieldValues,
} from '../custom-field-values/index.js';
import { type EventMeta, type EventType, type NewEvent, recordEvents } from '../events/index.js';
import { emailDomain } from './business-email.js';
import { contactsRepository } from './contacts/contacts.repository.js';
import { recordContactEvents } from './contacts/contacts.service.js';
import { partnershipPayload } from './partners.events.js';
import { checkClassification } from './partners.references.js';
import {
  type PartnerRow,
  type PartnerSort,
  partnersRepository as repo,
  type Side,
} from './partners.repository.js';
import type {
  CreatePartnerInput,
  ListPartnersInput,
  PartnerOut,
  PartnerUserOut,
  UpdatePartnerInput,
} from './partners.schemas.js';

type Caller = Pick<AuthContext, 'companyId' | 'userId'> & { keyId?: number | null };
type Answer = 'accept' | 'decline';

function ownCompany(problems: FieldProblems, path: PropertyKey[], domain: string): FieldProblems {
  problems.add(path, `'${domain}' is your own company's domain: a company cannot partner with itself`);
  return problems;
}

const notPending = (status: PartnershipStatus, what: string) =>
  new ApiError('conflict', `This partnership is ${status}: only a pending invitation can be ${what}`);

function toPartner(
  row: PartnerRow,
  tags: PartnerOut['tags'],
  users: PartnerOut['assigned_users'],
  customFields: PartnerOut['custom_fields'],
): PartnerOut {
  const { cp, partnership: p, partner } = row;
  const invited = p.company_id === cp.company_id;
  // `reseller` is stored from the inviter's point of view; each side reads it from its own.
  const flip = { company: 'partner', partner: 'company' } as const;
  return {
    id: cp.id,
    uuid: cp.uuid,
    partnership_id: p.id,
    partnership: {
      ...p,
      reseller: p.reseller && (invited ? p.reseller : flip[p.reseller]),
      invited_by_company_id: p.company_id,
    },
    direction: invited ? 'invited' : 'received',
    stage: row.stage,
    tier: row.tier,
    category: row.category,
    partner: {
      ...partner,
      email_domain: partner.domain,
      country: row.country,
      fallback_data: cp.fallback_data as PartnerOut['partner']['fallback_data'],
    },
    assigned_users: users,
    tags,
    custom_fields: customFields,
    created_at: cp.created_at,
    updated_at: cp.updated_at > p.updated_at ? cp.updated_at : p.updated_at,
  };
}

/** What POST /v1/partners answers: the partner, and the invitations its new users were sent. */
export type CreatedPartnerOut = PartnerOut & { invitations: PartnerInvitationOut[] };

type PartnerInviter = Pick<InvitationService, 'issuePartnerInvitations' | 'deliverPartnerInvitations'>;

export class PartnerService {
  constructor(
    private readonly db: Db,
    // Without one (the demo seed), a partner company's users get no invitation.
    private readonly inviter?: PartnerInviter,
  ) {}

  /** Full partner objects for rows of one company, with tags, users and custom fields batched. */
  private async hydrate(
    companyId: number,
    rows: PartnerRow[],
    db: Executor = this.db,
  ): Promise<PartnerOut[]> {
    const ids = rows.map((r) => r.cp.id);
    const tagsOf = () => repo.tagsFor(db, ids);
    const usersOf = () => repo.usersFor(db, ids);
    const fieldsOf = () => customFieldValuesFor(db, companyId, 'partner', ids);
    // Pooled reads run side by side; a transaction has one connection, so its reads queue.
    const [tags, users, fields] =
      db === this.db
        ? await Promise.all([tagsOf(), usersOf(), fieldsOf()])
        : [await tagsOf(), await usersOf(), await fieldsOf()];
    const usersBySide = new Map<number, PartnerOut['assigned_users']>();
    for (const { cpId, ...user } of users) usersBySide.set(cpId, [...(usersBySide.get(cpId) ?? []), user]);
    return rows.map((row) =>
      toPartner(
        row,
        tags.get(row.cp.id) ?? [],
        usersBySide.get(row.cp.id) ?? [],
        fields.get(row.cp.id) ?? [],
      ),
    );
  }

  /**
   * Records a `partners.*` event for each company whose view of the partnership changed, with
   * that company's side as its `partnership` payload, read in the writing transaction.
   */
  private async recordSideEvents(
    tx: Executor,
    type: Extract<EventType, 'partners.create' | 'partners.update'>,
    partnershipId: number,
    companyIds: number[],
    apiKeyId: number | null | undefined,
    metaFor?: (companyId: number) => EventMeta | undefined,
  ): Promise<void> {
    const sideIds = await repo.sideIds(tx, partnershipId);
    const list: NewEvent[] = [];
    for (const companyId of companyIds) {
      const rows = await repo.byIds(tx, companyId, sideIds);
      const partners = await this.hydrate(companyId, rows, tx);
      rows.forEach((row, i) => {
        const partnership = partnershipPayload(row, partners[i]!);
        list.push({ companyId, type, apiKeyId, payload: { partnership }, meta: metaFor?.(companyId) });
      });
    }
    await recordEvents(tx, list);
  }

  private async sideOrThrow(companyId: number, id: number): Promise<Side> {
    const side = await repo.side(this.db, companyId, id);
    if (!side) throw notFound('Partner');
    return side;
  }

  async getOrThrow(companyId: number, id: number): Promise<PartnerOut> {
    const [partner] = await this.hydrate(companyId, await repo.byIds(this.db, companyId, [id]));
    if (!partner) throw notFound('Partner');
    return partner;
  }

  async list(caller: Caller, q: ListPartnersInput & Page) {
    const problems = new FieldProblems('querystring');
    if (q.view === 'assigned' && caller.userId === null) {
      problems.add(['view'], "'assigned' needs an API key created by a user; this key has none");
    }
    if (q.assigned && q.unassigned) problems.add(['unassigned'], 'cannot be combined with assigned=1');
    problems.throwIfAny();
    const { rows, total } = await repo.list(
      this.db,
      caller.companyId,
      {
        search: q.search || undefined,
        assignedTo: q.view === 'assigned' ? (caller.userId ?? undefined) : undefined,
        users: q.users,
        partnerType: q.view === 'referral' || q.view === 'reseller' ? q.view : undefined,
        stages: q.stages,
        tags: q.tags,
        categories: q.categories,
        tiers: q.tiers,
        assigned: q.assigned,
        unassigned: q.unassigned,
        statuses: q.status,
      },
      { by: q.sort.replace(/^-/, '') as PartnerSort['by'], descending: q.sort.startsWith('-') },
      q,
    );
    return { data: await this.hydrate(caller.companyId, rows), meta: pageMeta(total, q.pageSize) };
  }

  /**
   * Invites a partner (or records it, `inactive`): finds the partner company by email domain or
   * creates it with the emails as its users, then writes the partnership, both sides' records,
   * the caller's contacts, tags, assigned users and custom field values in one transaction.
   */
  async create(caller: Caller, input: CreatePartnerInput): Promise<CreatedPartnerOut> {
    const { companyId } = caller;
    const problems = new FieldProblems();
    const domain = input.emailDomain ?? emailDomain(input.emails[0]!.email);
    const seen = new Map<string, number>();
    input.emails.forEach(({ email }, i) => {
      const first = seen.get(email.toLowerCase());
      if (first !== undefined) problems.add(['emails', i, 'email'], `repeats emails[${first}].email`);
      seen.set(email.toLowerCase(), first ?? i);
      if (emailDomain(email) !== domain) {
        problems.add(['emails', i, 'email'], `must be an address at the partner's email domain '${domain}'`);
      }
    });
    if (input.reseller && input.partnerType !== 'reseller') {
      problems.add(['reseller'], 'applies to reseller partnerships only');
    }
    const domainPath = input.emailDomain ? ['emailDomain'] : ['emails', 0, 'email'];
    const contactTags = input.emails.map((e, i) => ({ path: ['emails', i, 'tags'], ids: e.tags }));
    const [existing, countryExists, classification] = await Promise.all([
      repo.companyByDomain(this.db, domain),
      input.countryId ? repo.countryExists(this.db, input.countryId) : true,
      checkClassification(this.db, companyId, input.partnerType, input, problems, contactTags),
    ]);
    if (existing?.id === companyId) ownCompany(problems, domainPath, domain);
    if (!countryExists) problems.add(['countryId'], `no country with id ${input.countryId}`);
    const target = { companyId, category: 'partner', partnerType: input.partnerType } as const;
    const fields = await checkCustomFieldValues(this.db, target, input.customFields ?? [], {
      path: ['customFields'],
      problems,
    });
    problems.throwIfAny();

    // No stageUuid: your first partner stage for the type; an explicit null: no stage.
    const stageId =
      input.stageUuid === undefined
        ? ((await repo.firstPartnerStage(this.db, companyId, input.partnerType)) ?? null)
        : (classification.stage_id ?? null);
    let id: number;
    let invited:
      | { issued: Awaited<ReturnType<PartnerInviter['issuePartnerInvitations']>>; partnerName: string }
      | undefined;
    try {
      id = await this.db.transaction(async (tx) => {
        const found = await repo.companyByDomain(tx, domain);
        const { company: partner, created } = found
          ? { company: found, created: false }
          : await repo.insertCompany(tx, { name: input.name, domain, country_id: input.countryId ?? null });
        if (partner.id === companyId) throw ownCompany(new FieldProblems(), domainPath, domain).toError();
        // People of a company we just created become its users; an existing company (another
        // tenant) keeps its own users untouched.
        const partnerUsers = !created
          ? []
          : await repo.insertUsers(
              tx,
              input.emails.map((e, i) => ({
                company_id: partner.id,
                email: e.email,
                first_name: e.firstName ?? null,
                last_name: e.lastName ?? null,
                role: i === 0 ? ('admin' as const) : ('partnerships' as const),
              })),
            );
        const partnership = await repo.insertPartnership(tx, {
          company_id: companyId,
          partner_company_id: partner.id,
          partner_type: input.partnerType,
          reseller: input.partnerType === 'reseller' ? (input.reseller ?? 'partner') : null,
          status: input.inactive ? 'inactive' : 'pending',
          invited_by_user_id: caller.userId,
        });
        const sides = await repo.insertSides(tx, [
          {
            partnership_id: partnership.id,
            company_id: companyId,
            partner_company_id: partner.id,
            stage_id: stageId,
            tier_id: classification.tier_id ?? null,
            category_id: classification.category_id ?? null,
          },
          { partnership_id: partnership.id, company_id: partner.id, partner_company_id: companyId },
        ]);
        const mine = sides.find((s) => s.company_id === companyId)!;
        const contacts = await contactsRepository.insert(
          tx,
          input.emails.map((e) => ({
            company_id: companyId,
            company_partnership_id: mine.id,
            email: e.email,
            first_name: e.firstName ?? null,
            last_name: e.lastName ?? null,
          })),
        );
        await contactsRepository.addTags(
          tx,
          contacts.flatMap((contact, i) =>
            (input.emails[i]!.tags ?? []).map((tag_id) => ({ contact_id: contact.id, tag_id })),
          ),
        );
        await repo.setTags(tx, mine.id, input.tags ?? []);
        await repo.setUsers(tx, mine.id, input.assignedUsers ?? []);
        await saveCustomFieldValues(tx, target, mine.id, fields);
        // An existing company sees the new partnership in its own list, so it gets the event too;
        // a company created right here cannot have a webhook yet.
        const viewers = created ? [companyId] : [companyId, partner.id];
        await this.recordSideEvents(tx, 'partners.create', partnership.id, viewers, caller.keyId);
        const contactIds = contacts.map((c) => c.id);
        await recordContactEvents(tx, 'partners.contact_create', companyId, contactIds, caller.keyId ?? null);
        // The people of a company made here have no password yet: each gets a one-time link
        // (an inactive partnership invites nobody, so neither does it send links).
        if (this.inviter && partnerUsers.length > 0 && partnership.status === 'pending') {
          const issued = await this.inviter.issuePartnerInvitations(tx, {
            partnershipId: partnership.id,
            invitedBy: caller.userId,
            users: partnerUsers,
          });
          invited = { issued, partnerName: partner.name };
        }
        return mine.id;
      });
    } catch (err) {
      if (isUniqueViolation(err) && pgConstraint(err) === 'partnerships_pair_type_key') {
        throw new ApiError('conflict', `A ${input.partnerType} partnership with ${domain} already exists`);
      }
      throw err;
    }
    const out = await this.getOrThrow(companyId, id);
    if (!invited || !this.inviter) return { ...out, invitations: [] };
    const inviting = await companiesRepository.findById(this.db, companyId);
    const invitations = await this.inviter.deliverPartnerInvitations(invited.issued, {
      partnerCompanyName: invited.partnerName,
      invitingCompanyName: inviting?.name ?? 'A company',
    });
    return { ...out, invitations };
  }

  /** PATCH: only what is sent changes; tags and assigned users are replaced, custom fields upserted. */
  async update(
    companyId: number,
    id: number,
    input: UpdatePartnerInput,
    apiKeyId: number | null = null,
  ): Promise<PartnerOut> {
    const side = await this.sideOrThrow(companyId, id);
    const statusChange =
      input.inactive === undefined ? undefined : invitationChange(side, companyId, input.inactive);
    const problems = new FieldProblems();
    const partnerType = side.partnership.partner_type;
    const target = { companyId, category: 'partner', partnerType } as const;
    const classification = await checkClassification(this.db, companyId, partnerType, input, problems);
    const fields =
      input.customFields &&
      (await checkCustomFieldValues(this.db, target, input.customFields, {
        path: ['customFields'],
        problems,
        entityId: id,
      }));
    problems.throwIfAny();

    await this.db.transaction(async (tx) => {
      await repo.updateSide(tx, id, {
        ...classification,
        ...(input.fallbackData !== undefined ? { fallback_data: input.fallbackData } : {}),
      });
      if (input.tags) await repo.setTags(tx, id, input.tags);
      if (input.assignedUsers) await repo.setUsers(tx, id, input.assignedUsers);
      if (fields) await saveCustomFieldValues(tx, target, id, fields);
      if (
        statusChange &&
        !(await repo.setStatus(tx, side.partnership.id, [statusChange.from], statusChange.to))
      ) {
        throw new ApiError('conflict', 'The partnership changed meanwhile; read it and try again');
      }
      // The status is shared: when it moved, the partner company's view changed as well.
      const { partnership } = side;
      const other =
        partnership.company_id === companyId ? partnership.partner_company_id : partnership.company_id;
      const viewers = statusChange ? [companyId, other] : [companyId];
      await this.recordSideEvents(tx, 'partners.update', partnership.id, viewers, apiKeyId);
    });
    return this.getOrThrow(companyId, id);
  }

  /** The invited company accepts or declines a pending invitation, with its own key. */
  async respond(
    companyId: number,
    id: number,
    answer: Answer,
    apiKeyId: number | null = null,
  ): Promise<PartnerOut> {
    const { partnership } = await this.sideOrThrow(companyId, id);
    const [to, done] =
      answer === 'accept' ? (['accepted', 'accepted'] as const) : (['declined', 'declined'] as const);
    if (partnership.partner_company_id !== companyId) {
      throw new ApiError('forbidden', `Only the invited company can ${answer} this partnership`);
    }
    if (partnership.status !== 'pending') throw notPending(partnership.status, done);
    const changed = await this.db.transaction(async (tx) => {
      if (!(await repo.setStatus(tx, partnership.id, ['pending'], to))) return false;
      // Both companies see the new status; the inviting one is told of an acceptance.
      const inviter = partnership.company_id;
      const inviterUser = partnership.invited_by_user_id;
      const accepted: EventMeta = {
        reason: 'partnership_accepted',
        notifyUserIds: inviterUser ? [inviterUser] : [],
      };
      await this.recordSideEvents(
        tx,
        'partners.update',
        partnership.id,
        [inviter, companyId],
        apiKeyId,
        (c) => (c === inviter && to === 'accepted' ? accepted : undefined),
      );
      return true;
    });
    if (!changed) {
      const now = await this.sideOrThrow(companyId, id);
      throw notPending(now.partnership.status, done);
    }
    return this.getOrThrow(companyId, id);
  }

  /** Ends the partnership for both companies: both sides, their contacts, tags and values go. */
  async remove(companyId: number, id: number): Promise<void> {
    const { partnership } = await this.sideOrThrow(companyId, id);
    await this.db.transaction(async (tx) => {
      await removeCustomFieldValues(tx, 'partner', await repo.sideIds(tx, partnership.id));
      await repo.deletePartnership(tx, partnership.id);
    });
  }

  async partnerUsers(companyId: number, id: number, page: Page) {
    const side = await this.sideOrThrow(companyId, id);
    const { rows, total } = await repo.partnerUsers(this.db, side, page);
    return { data: rows satisfies PartnerUserOut[], meta: pageMeta(total, page.pageSize) };
  }
}

/**
 * `inactive` on PATCH, inviting company only: false sends the invitation of an inactive
 * partnership, true withdraws a pending one. Asking for the state it is already in is a no-op.
 */
function invitationChange(
  side: Side,
  companyId: number,
  inactive: boolean,
): { from: PartnershipStatus; to: PartnershipStatus } | undefined {
  const { status } = side.partnership;
  if (side.partnership.company_id !== companyId) {
    throw new ApiError('forbidden', 'Only the inviting company can send or withdraw the invitation');
  }
  if (inactive) {
    if (status === 'pending') return { from: 'pending', to: 'inactive' };
    if (status === 'inactive') return undefined;
    throw notPending(status, 'withdrawn');
  }
  if (status === 'inactive') return { from: 'inactive', to: 'pending' };
  if (status === 'declined') {
    throw new ApiError('conflict', 'This partnership was declined: delete it and invite the partner again');
  }
  return undefined;
}
