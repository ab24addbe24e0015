import type { AuthContext, RequestCaller } from '../../core/auth-context.js';
import { ApiError, notFound } from '../../core/errors.js';
import { FieldProblems } from '../../core/field-problems.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { isUniqueViolation, pgConstraint } from '../../db/errors.js';
import type { InvitationService, PartnerInvitationOut } from '../accounts/index.js';
import * as create from './partners.create.js';
import { getPartner, listPartners, listPartnerUsers, type PartnerSort } from './partners.reads.js';
import { partnersRepository as repo } from './partners.repository.js';
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
import * as update from './partners.update.js';

// Partners: each command reads its facts in one statement, decides in pure rules and writes in
// one statement (partners.create.ts, partners.update.ts, partners.respond.ts); reads build whole
// sides in their one statement (partners.sides.ts).

/** What POST /v1/partners answers: the partner, and the invitations its new users were sent. */
export type CreatedPartnerOut = PartnerOut & { invitations: PartnerInvitationOut[] };

type PartnerInviter = Pick<InvitationService, 'newPartnerInvitations' | 'deliverPartnerInvitations'>;

export class PartnerService {
  constructor(
    private readonly db: Db,
    // Without one (the demo seed), a partner company's users get no invitation.
    private readonly inviter?: PartnerInviter,
  ) {}

  /** GET /v1/partners/{id}: one statement, the API key's verification included (see readAsCaller). */
  async get(caller: RequestCaller, id: number): Promise<PartnerOut> {
    const { found, partner } = await getPartner(this.db, caller.source, id);
    await caller.accept(found);
    if (!partner) throw notFound('Partner');
    return partner;
  }

  /** A page of partners in one statement, the API key's verification included. */
  async list(caller: RequestCaller, q: ListPartnersInput & Page) {
    const problems = (auth: AuthContext) => {
      const found = new FieldProblems('querystring');
      if (q.view === 'assigned' && auth.userId === null) {
        found.add(['view'], "'assigned' needs an API key created by a user; this key has none");
      }
      if (q.assigned && q.unassigned) found.add(['unassigned'], 'cannot be combined with assigned=1');
      return found;
    };
    // A refused combination is answered before any read; its problems name the caller's user.
    if (q.assigned && q.unassigned) problems(await caller.resolve()).throwIfAny();
    const { found, rows, total } = await listPartners(
      this.db,
      caller.source,
      {
        search: q.search || undefined,
        assignedToCaller: q.view === 'assigned',
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
    // A key without a user has no partners of its own (the statement found none): a 400.
    problems(await caller.accept(found)).throwIfAny();
    return { data: rows, meta: pageMeta(total, q.pageSize) };
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
          throw create.partnershipExists(input.partnerType, plan.domain);
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
  async update(caller: Caller, id: number, input: UpdatePartnerInput): Promise<PartnerOut> {
    const plan = update.rules(await update.facts(this.db, caller, id, input), caller, id, input);
    const mine = await update.write(this.db, plan);
    if (mine) return toPartner(mine);
    // The guards held: the side is gone, or its status moved meanwhile.
    if (!(await repo.side(this.db, caller.companyId, id))) throw notFound('Partner');
    throw new ApiError('conflict', 'The partnership changed meanwhile; read it and try again');
  }

  /** The invited company accepts or declines a pending invitation, with its own key. */
  async respond(caller: Caller, id: number, answer: respond.Answer): Promise<PartnerOut> {
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
    if (!(await repo.deletePartnership(this.db, companyId, id))) throw notFound('Partner');
  }

  /** The partner company's users the caller may see: one statement with its caller. */
  async partnerUsers(caller: RequestCaller, id: number, page: Page) {
    const { found, sideFound, rows, total } = await listPartnerUsers(this.db, caller.source, id, page);
    await caller.accept(found);
    if (!sideFound) throw notFound('Partner');
    return { data: rows satisfies PartnerUserOut[], meta: pageMeta(total, page.pageSize) };
  }
}
