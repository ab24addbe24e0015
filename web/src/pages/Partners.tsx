import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, messageOf, ok, type Schemas } from '../api/client';
import { Pill } from '../components/Badges';
import { SecretValue } from '../components/Copy';
import { Confirm, Dialog } from '../components/Dialog';
import { Choices, FormError, Notice, Radio, SelectField, TextField } from '../components/Field';
import { Empty, Loading, Page, TableScroll } from '../components/Page';
import { Pagination } from '../components/Pagination';
import { formatMoney } from '../lib/deals';
import { formValues, useForm } from '../lib/form';
import { capitalize, formatDate } from '../lib/format';
import { useLoad } from '../lib/hooks';

type Partner = Schemas['Partner'];
type Status = Partner['partnership']['status'];
const PAGE_SIZE = 20;
// The partners report covers at most 3660 days: "all time" is the last ten years.
const allTime = () => new Date(Date.now() - 3659 * 86_400_000).toISOString().slice(0, 10);
const STATUS_TONE: Record<Status, 'neutral' | 'good' | 'warn' | 'bad'> = {
  pending: 'warn',
  accepted: 'good',
  declined: 'bad',
  inactive: 'neutral',
};

interface SentInvitation {
  email: string;
  invite_url?: string;
}

function InvitePartner({ onClose, onInvited }: { onClose: () => void; onInvited: () => void }) {
  const form = useForm();
  const [type, setType] = useState<'referral' | 'reseller'>('referral');
  const [contacts, setContacts] = useState(1);
  const [sent, setSent] = useState<{ name: string; invitations: SentInvitation[] } | undefined>();

  const submit = (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    const emails = Array.from({ length: contacts }, (_, i) => ({
      email: v[`email-${i}`] ?? '',
      ...(v[`first-${i}`] ? { firstName: v[`first-${i}`] } : {}),
      ...(v[`last-${i}`] ? { lastName: v[`last-${i}`] } : {}),
    })).filter((c, i) => c.email || i === 0);
    void form.run(async () => {
      const created = await ok(
        api.POST('/v1/partners', {
          body: {
            name: v.name ?? '',
            partnerType: type,
            emails,
            ...(type === 'reseller' ? { reseller: (v.reseller || 'partner') as 'company' | 'partner' } : {}),
          },
        }),
      );
      // One-time links for the partner's new users, when the server sends no email.
      const invitations: SentInvitation[] = created.invitations;
      setSent({ name: created.partner.name, invitations });
      onInvited();
    });
  };

  if (sent) {
    const links = sent.invitations.filter((i) => i.invite_url);
    return (
      <Dialog title="Invitation sent" onClose={onClose}>
        <div class="stack">
          <Notice tone="success">
            {sent.name} is invited. The partnership stays pending until they accept it.
          </Notice>
          {links.length > 0 ? (
            <>
              <p>
                This server sends no email: give each contact their link. The links are shown once and work
                for 7 days.
              </p>
              {links.map((i) => (
                <SecretValue
                  key={i.email}
                  label={`Invitation link for ${i.email}`}
                  value={i.invite_url ?? ''}
                />
              ))}
            </>
          ) : (
            sent.invitations.length > 0 && (
              <p>We e-mailed an invitation link to {sent.invitations.map((i) => i.email).join(', ')}.</p>
            )
          )}
          <div class="actions">
            <button type="button" class="button button-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title="Invite partner" onClose={onClose} wide>
      <form class="stack" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        <TextField label="Partner company name" name="name" required error={form.fields.name} />
        <Choices legend="Partnership type" inline error={form.fields.partnerType}>
          <Radio
            name="partnerType"
            value="referral"
            label="Referral"
            checked={type === 'referral'}
            onChange={() => setType('referral')}
          />
          <Radio
            name="partnerType"
            value="reseller"
            label="Reseller"
            checked={type === 'reseller'}
            onChange={() => setType('reseller')}
          />
        </Choices>
        {type === 'reseller' && (
          <SelectField
            label="Who resells"
            name="reseller"
            defaultValue="partner"
            error={form.fields.reseller}
          >
            <option value="partner">The partner resells</option>
            <option value="company">We resell</option>
          </SelectField>
        )}
        {Array.from({ length: contacts }, (_, i) => (
          <fieldset class="group" key={i}>
            <legend>{contacts > 1 ? `Contact ${i + 1}` : 'Contact'}</legend>
            <TextField
              label="Email"
              name={`email-${i}`}
              type="email"
              required={i === 0}
              error={form.fields[`emails[${i}].email`] ?? (i === 0 ? form.fields.emails : undefined)}
            />
            <div class="row">
              <TextField
                label="First name"
                name={`first-${i}`}
                error={form.fields[`emails[${i}].firstName`]}
              />
              <TextField label="Last name" name={`last-${i}`} error={form.fields[`emails[${i}].lastName`]} />
            </div>
          </fieldset>
        ))}
        <div>
          <button
            type="button"
            class="button button-quiet"
            onClick={() => setContacts((n) => Math.min(n + 1, 10))}
          >
            Add another contact
          </button>
        </div>
        <div class="actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={form.busy}>
            Send invitation
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function Partners() {
  const { query, route, url } = useLocation();
  const page = Math.max(1, Number(query.page) || 1);
  const partners = useLoad(
    () =>
      ok(
        api.GET('/v1/partners', {
          params: {
            query: {
              page,
              pageSize: PAGE_SIZE,
              ...(query.search ? { search: query.search } : {}),
              ...(query.status ? { status: query.status } : {}),
            },
          },
        }),
      ),
    [url],
  );
  // Deal counts and won value per partnership, all time (the partners report).
  const report = useLoad(
    () =>
      ok(
        api.GET('/v1/reports/partners', {
          params: {
            query: { from: allTime(), pageSize: 50, ...(query.search ? { search: query.search } : {}) },
          },
        }),
      ),
    [query.search],
  );
  const dealsOf = new Map((report.data?.data ?? []).map((row) => [row.partner.id, row]));
  const currency = report.data?.meta.currency ?? 'USD';
  const [inviting, setInviting] = useState(false);
  const [declining, setDeclining] = useState<Partner | undefined>();
  const [answerError, setAnswerError] = useState<string | undefined>();
  const [busy, setBusy] = useState<number | undefined>();

  const setQuery = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...query, ...changes })) if (v) next.set(k, v);
    const qs = next.toString();
    route(`/partners${qs ? `?${qs}` : ''}`);
  };
  const answer = async (p: Partner, verb: 'accept' | 'decline') => {
    setBusy(p.id);
    setAnswerError(undefined);
    try {
      const path = verb === 'accept' ? '/v1/partnerships/{id}/accept' : '/v1/partnerships/{id}/decline';
      await ok(api.POST(path, { params: { path: { id: p.id } }, body: {} }));
      setDeclining(undefined);
      partners.reload();
    } catch (err) {
      setAnswerError(`${p.partner.name}: ${messageOf(err)}`);
    } finally {
      setBusy(undefined);
    }
  };
  const pending = (partners.data?.data ?? []).filter(
    (p) => p.partnership.status === 'pending' && p.direction === 'received',
  );

  return (
    <Page
      title="Partners"
      actions={
        <button type="button" class="button button-primary" onClick={() => setInviting(true)}>
          Invite partner
        </button>
      }
    >
      {pending.length > 0 && (
        <section class="card callout" aria-labelledby="pending-invitations">
          <h2 id="pending-invitations">Invitations for you</h2>
          <ul class="plain-list">
            {pending.map((p) => (
              <li key={p.id} class="invitation-row">
                <span>
                  <span class="strong">{p.partner.name}</span> invited you to a {p.partnership.partner_type}{' '}
                  partnership.
                </span>
                <span class="actions">
                  <button
                    type="button"
                    class="button button-primary"
                    disabled={busy === p.id}
                    onClick={() => void answer(p, 'accept')}
                    aria-label={`Accept the partnership with ${p.partner.name}`}
                  >
                    Accept
                  </button>
                  <button
                    type="button"
                    class="button"
                    disabled={busy === p.id}
                    onClick={() => setDeclining(p)}
                    aria-label={`Decline the partnership with ${p.partner.name}`}
                  >
                    Decline
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {answerError && !declining && (
        <div class="alert alert-error" role="alert">
          {answerError}
        </div>
      )}
      <form
        class="filters"
        aria-label="Partners"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          setQuery({ search: String(data.get('search') ?? '').trim() || undefined, page: undefined });
        }}
      >
        <div class="filters-search">
          <TextField
            label="Search"
            name="search"
            type="search"
            defaultValue={query.search ?? ''}
            key={query.search ?? ''}
            placeholder="Partner name or domain"
          />
          <button type="submit" class="button">
            Search
          </button>
        </div>
        <SelectField
          label="Status"
          value={query.status ?? ''}
          onChange={(e) => setQuery({ status: e.currentTarget.value, page: undefined })}
        >
          <option value="">Any status</option>
          <option value="pending">Pending</option>
          <option value="accepted">Accepted</option>
          <option value="declined">Declined</option>
          <option value="inactive">Inactive</option>
        </SelectField>
      </form>
      {partners.error && (
        <div class="alert alert-error" role="alert">
          {partners.error}
        </div>
      )}
      {partners.loading && !partners.data && <Loading label="Loading partners…" />}
      {partners.data && partners.data.data.length === 0 && (
        <Empty>
          <p>No partners yet. Invite a partner company to start sending each other leads.</p>
        </Empty>
      )}
      {partners.data && partners.data.data.length > 0 && (
        <>
          <TableScroll label="Partners">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Partner</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Invited</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Deals</th>
                  <th scope="col">Won value</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {partners.data.data.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <div class="strong">{p.partner.name}</div>
                      <div class="muted small">{p.partner.email_domain ?? p.partner.website_url ?? ''}</div>
                    </td>
                    <td>{capitalize(p.partnership.partner_type)}</td>
                    <td>
                      <Pill tone={STATUS_TONE[p.partnership.status]}>{capitalize(p.partnership.status)}</Pill>
                    </td>
                    <td>{p.direction === 'invited' ? 'By you' : 'By them'}</td>
                    <td>{p.stage?.label ?? '—'}</td>
                    <td>{p.tier?.label ?? '—'}</td>
                    <td data-testid="partner-deals">
                      {dealsOf.get(p.id)?.deals ?? (report.data ? 0 : report.error ? '—' : '…')}
                    </td>
                    <td class="nowrap">
                      {report.data
                        ? formatMoney(dealsOf.get(p.id)?.won_value ?? '0', currency)
                        : report.error
                          ? '—'
                          : '…'}
                    </td>
                    <td class="nowrap">{formatDate(p.partnership.accepted_at ?? p.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <Pagination
            meta={partners.data.meta}
            page={page}
            noun={['partner', 'partners']}
            onPage={(p) => setQuery({ page: String(p) })}
          />
        </>
      )}
      {inviting && <InvitePartner onClose={() => setInviting(false)} onInvited={() => partners.reload()} />}
      {declining && (
        <Confirm
          title={`Decline ${declining.partner.name}?`}
          action="Decline"
          busy={busy === declining.id}
          error={answerError}
          onCancel={() => {
            setDeclining(undefined);
            setAnswerError(undefined);
          }}
          onConfirm={() => void answer(declining, 'decline')}
        >
          <p>The partnership will be declined. {declining.partner.name} sees it as declined.</p>
        </Confirm>
      )}
    </Page>
  );
}
