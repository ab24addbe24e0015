import { ApiError, notFound } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db, Executor } from '../../db/database.js';
import { isUniqueViolation, pgConstraint } from '../../db/errors.js';
import type { PartnershipStatus } from '../../db/schema/index.js';
import type { InvitationService, PartnerInvitationOut } from '../accounts/index.js';
import {
  checkCustomFieldValues,
  customFieldValuesFor,
  removeCustomFieldValues,
  saveCustomFieldValues,
} from '../custom-field-values/index.js';
import { type EventMeta, type EventType, type NewEvent, recordEvents } from '../events/index.js';
import * as create from './partners.create.js';
import { partnershipExists } from './partners.create.js';
import { partnershipPayload } from './partners.events.js';
import { checkClassification } from './partners.references.js';
import {
  type PartnerRow,
  type PartnerSort,
  partnersRepository as repo,
  type Side,
} from './partners.repository.js';
import type { Answer } from './partners.respond.js';
import * as respond from './partners.respond.js';
import { type Caller, notPending } from './partners.rules.js';
import type {
  CreatePartnerInput,
  ListPartnersInput,
  PartnerOut,
  PartnerUserOut,
  UpdatePartnerInput,
} from './partners.schemas.js';
import { toPartner } from './partners.sides.js';

function toPartnerOld(
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

type PartnerInviter = Pick<InvitationService, 'newPartnerInvitations' | 'deliverPartnerInvitations'>;

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
      toPartnerOld(
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
    const side = await repo.sideById(this.db, companyId, id);
    if (!side) throw notFound('Partner');
    return toPartner(side);
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
   * the caller's contacts, tags, assigned users, custom field values and the invitations of a
   * created company's people, in one statement; the links are e-mailed after it committed.
   */
  async create(caller: Caller, input: CreatePartnerInput): Promise<CreatedPartnerOut> {
    for (let attempt = 0; ; attempt++) {
      const plan = create.rules(await create.facts(this.db, caller, input), caller, input);
      const links =
        plan.invite && this.inviter
          ? this.inviter.newPartnerInvitations(plan.newUsers.map((u) => u.email))
          : [];
      let partner: PartnerOut;
      try {
        partner = toPartner(await create.write(this.db, plan, links));
      } catch (err) {
        const constraint = isUniqueViolation(err) ? pgConstraint(err) : undefined;
        if (constraint === 'partnerships_pair_type_key')
          throw partnershipExists(input.partnerType, plan.domain);
        // Another request created the domain's company meanwhile: link to it, as if it had existed.
        if (constraint === 'companies_domain_key' && attempt === 0) continue;
        throw err;
      }
      if (links.length === 0 || !this.inviter) return { ...partner, invitations: [] };
      const invitations = await this.inviter.deliverPartnerInvitations(links, {
        partnerCompanyName: plan.partnerName,
        invitingCompanyName: plan.invitingCompanyName,
      });
      return { ...partner, invitations };
    }
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
  async respond(caller: Caller, id: number, answer: Answer): Promise<PartnerOut> {
    const plan = respond.rules(await respond.facts(this.db, caller, id), caller, id, answer);
    const mine = await respond.write(this.db, plan);
    if (mine) return toPartner(mine);
    // The guard held: another answer (or a withdrawal, or the end) came first.
    const now = await repo.side(this.db, caller.companyId, id);
    if (!now) throw notFound('Partner');
    throw notPending(now.partnership.status, plan.to);
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
