import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, messageOf, ok } from '../api/client';
import { TagChip } from '../components/Badges';
import { Confirm } from '../components/Dialog';
import { FormError, SelectField, TextAreaField } from '../components/Field';
import { Loading, Page } from '../components/Page';
import { customValueText } from '../lib/custom-fields';
import { type DealPhase, formatMoney, PHASE_LABELS } from '../lib/deals';
import { useForm } from '../lib/form';
import { formatDateTime, formatRelative, personName } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { LEAD_STATUSES, type LeadStatus, leadTitle, partnerLabel, STATUS_LABELS } from '../lib/leads';
import { noteDocument, noteParagraphs } from '../lib/notes';
import { NewDeal } from './deals/NewDeal';

export function LeadDetail() {
  const { params } = useRoute();
  const id = Number(params.id);
  const { route } = useLocation();
  const lead = useLoad(() => ok(api.GET('/v1/leads/{id}', { params: { path: { id } } })), [id]);
  const fields = useLoad(
    () => ok(api.GET('/v1/custom-fields', { params: { query: { category: 'lead', pageSize: 50 } } })),
    [],
  );
  const [statusError, setStatusError] = useState<string | undefined>();
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | undefined>();
  const [newDeal, setNewDeal] = useState(false);
  const noteForm = useForm();

  if (lead.loading && !lead.data) return <Loading label="Loading the lead…" />;
  const l = lead.data;
  if (!l) {
    return (
      <Page title="Lead not found">
        <p>{lead.error ?? 'This lead does not exist.'}</p>
        <p>
          <a href="/leads">Back to Leads</a>
        </p>
      </Page>
    );
  }

  const changeStatus = async (status: LeadStatus) => {
    setStatusError(undefined);
    try {
      await ok(api.PATCH('/v1/leads/{id}', { params: { path: { id } }, body: { status } }));
      lead.reload();
    } catch (err) {
      setStatusError(messageOf(err));
    }
  };
  const addNote = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const text = String(new FormData(form).get('note') ?? '').trim();
    void noteForm.run(async () => {
      await ok(
        api.POST('/v1/leads/{id}/notes', {
          params: { path: { id } },
          body: { document: noteDocument(text) },
        }),
      );
      form.reset();
      lead.reload();
    });
  };
  const remove = async () => {
    try {
      await ok(api.DELETE('/v1/leads/{id}', { params: { path: { id } } }));
      route('/leads');
    } catch (err) {
      setDeleteError(messageOf(err));
    }
  };

  const name = [l.first_name, l.last_name].filter(Boolean).join(' ');
  return (
    <Page
      title={leadTitle(l)}
      actions={
        <>
          <button type="button" class="button button-primary" onClick={() => setNewDeal(true)}>
            New deal
          </button>
          <button type="button" class="button button-danger-quiet" onClick={() => setDeleting(true)}>
            Delete lead
          </button>
        </>
      }
    >
      <p>
        <a href="/leads">← Leads</a>
      </p>
      <div class="detail-grid">
        <div class="stack">
          <section class="card" aria-labelledby="lead-details">
            <h2 id="lead-details">Details</h2>
            <dl class="props">
              <dt>Company</dt>
              <dd>{l.company_name ?? '—'}</dd>
              <dt>Contact</dt>
              <dd>{name || '—'}</dd>
              <dt>Email</dt>
              <dd>{l.email ? <a href={`mailto:${l.email}`}>{l.email}</a> : '—'}</dd>
              <dt>Phone</dt>
              <dd>{l.phone_number ?? '—'}</dd>
              <dt>Source</dt>
              <dd>{l.source.replaceAll('_', ' ')}</dd>
              <dt>Association</dt>
              <dd>{l.association_type}</dd>
              {l.partnership_leads.length > 0 && (
                <>
                  <dt>Partner</dt>
                  <dd>{l.partnership_leads.map((pl) => partnerLabel(pl)).join('; ')}</dd>
                </>
              )}
              {l.campaign_title && (
                <>
                  <dt>Campaign</dt>
                  <dd>{l.campaign_title}</dd>
                </>
              )}
              <dt>Tags</dt>
              <dd>
                <div class="chips">
                  {l.tags.length ? l.tags.map((t) => <TagChip key={t.id} tag={t} />) : '—'}
                </div>
              </dd>
              <dt>Assigned</dt>
              <dd>{l.assigned_users.map((u) => personName(u)).join(', ') || '—'}</dd>
              {l.custom_fields.map((cf) => (
                <Fragment key={cf.id}>
                  <dt>{cf.label}</dt>
                  <dd>{customValueText(cf, fields.data?.data)}</dd>
                </Fragment>
              ))}
              <dt>Created</dt>
              <dd>{formatDateTime(l.created_at)}</dd>
              <dt>Updated</dt>
              <dd>{formatDateTime(l.updated_at)}</dd>
            </dl>
            <SelectField
              label="Status"
              value={l.status}
              error={statusError}
              onChange={(e) => void changeStatus(e.currentTarget.value as LeadStatus)}
            >
              {LEAD_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </SelectField>
          </section>

          <section class="card" aria-labelledby="lead-deals">
            <h2 id="lead-deals">Deals</h2>
            {l.lead_deals.length === 0 ? (
              <p class="muted">No deals on this lead yet.</p>
            ) : (
              <ul class="plain-list lead-deals">
                {l.lead_deals.map((d) => (
                  <li key={d.id}>
                    <a class="strong" href={`/deals/${d.id}`}>
                      {d.label}
                    </a>{' '}
                    <span class="nowrap">{formatMoney(d.deal_value, d.currency_code)}</span>
                    <span class="muted">
                      {' · '}
                      {d.stage_label ?? 'No stage'}
                      {d.stage_phase ? ` (${PHASE_LABELS[d.stage_phase as DealPhase]})` : ''}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>

        <section class="card" aria-labelledby="lead-notes">
          <h2 id="lead-notes">Notes</h2>
          {l.notes.length === 0 && <p class="muted">No notes yet.</p>}
          <ol class="notes">
            {l.notes.map((note) => (
              <li key={note.id} class="note">
                <div class="note-meta">
                  <span class="strong">{note.created_by ? personName(note.created_by) : 'API'}</span>
                  <time dateTime={note.created_at} title={formatDateTime(note.created_at)}>
                    {formatRelative(note.created_at)}
                  </time>
                </div>
                {noteParagraphs(note.document).map((p, i) => (
                  <p key={i}>{p}</p>
                ))}
              </li>
            ))}
          </ol>
          <form class="stack" onSubmit={addNote}>
            <FormError message={noteForm.error} />
            <TextAreaField
              label="Add a note"
              name="note"
              rows={3}
              required
              error={noteForm.fields.document}
            />
            <div>
              <button type="submit" class="button button-primary" disabled={noteForm.busy}>
                Add note
              </button>
            </div>
          </form>
        </section>
      </div>
      {newDeal && <NewDeal lead={{ id: l.id, title: leadTitle(l) }} onClose={() => setNewDeal(false)} />}
      {deleting && (
        <Confirm
          title="Delete this lead?"
          action="Delete lead"
          error={deleteError}
          onCancel={() => setDeleting(false)}
          onConfirm={() => void remove()}
        >
          <p>
            {leadTitle(l)} disappears from Leads and from the API. Its email can be used again for a new lead.
          </p>
        </Confirm>
      )}
    </Page>
  );
}
