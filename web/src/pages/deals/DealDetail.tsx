import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, messageOf, ok } from '../../api/client';
import { Pill, TagChip } from '../../components/Badges';
import { Confirm } from '../../components/Dialog';
import { Checkbox, Choices, FormError, Notice, SelectField, TextField } from '../../components/Field';
import { Loading, Page } from '../../components/Page';
import { customValueText } from '../../lib/custom-fields';
import {
  byPipeline,
  type Deal,
  type DealPhase,
  formatMoney,
  leadName,
  PHASE_LABELS,
  PHASE_TONE,
  partnerName,
} from '../../lib/deals';
import { useForm } from '../../lib/form';
import { formatDate, formatDateTime, personName } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSignedIn } from '../../session';
import { DealMoney } from './DealMoney';
import { DealNotes } from './DealNotes';

/** "Proposal · Negotiation"; just "Won" when the stage is named after its phase. */
const phaseNote = (label: string, phase: DealPhase | null) =>
  phase && PHASE_LABELS[phase].toLowerCase() !== label.toLowerCase()
    ? `${label} · ${PHASE_LABELS[phase]}`
    : label;

export function DealDetail() {
  const { params } = useRoute();
  const id = Number(params.id);
  const { isAdmin } = useSignedIn();
  const { route } = useLocation();
  const deal = useLoad(() => ok(api.GET('/v1/deals/{id}', { params: { path: { id } } })), [id]);
  const fields = useLoad(
    () => ok(api.GET('/v1/custom-fields', { params: { query: { category: 'lead_deal', pageSize: 50 } } })),
    [],
  );
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | undefined>();

  if (deal.loading && !deal.data) return <Loading label="Loading the deal…" />;
  const d = deal.data;
  if (!d) {
    return (
      <Page title="Deal not found">
        <p>{deal.error ?? 'This deal does not exist.'}</p>
        <p>
          <a href="/deals">Back to Deals</a>
        </p>
      </Page>
    );
  }
  const owner = d.side === 'owner';
  const remove = async () => {
    try {
      await ok(api.DELETE('/v1/deals/{id}', { params: { path: { id } } }));
      route('/deals');
    } catch (err) {
      setDeleteError(messageOf(err));
    }
  };
  const partner = partnerName(d);

  return (
    <Page
      title={d.label}
      actions={
        owner && (
          <button type="button" class="button button-danger-quiet" onClick={() => setDeleting(true)}>
            Delete deal
          </button>
        )
      }
    >
      <p>
        <a href="/deals">← Deals</a>
      </p>
      {!owner && (
        <Notice>
          {d.partner?.name ?? 'A partner'} owns this deal and shares it with you: its label, value, currency,
          expiration date, payment stage, commission and payments are theirs to change. Your stage, tags and
          notes are your company's own.
        </Notice>
      )}
      <div class="detail-grid">
        <div class="stack">
          <section class="card" aria-labelledby="deal-details">
            <h2 id="deal-details">Details</h2>
            <dl class="props">
              <dt>Value</dt>
              <dd class="strong" data-testid="deal-value">
                {formatMoney(d.deal_value, d.currency_code)}
              </dd>
              <dt>Currency</dt>
              <dd>
                {d.currency.label} ({d.currency_code})
              </dd>
              <dt>Stage</dt>
              <dd>
                {d.stage_label ? (
                  <Pill tone={d.stage_phase ? PHASE_TONE[d.stage_phase as DealPhase] : 'neutral'}>
                    {phaseNote(d.stage_label, d.stage_phase as DealPhase | null)}
                  </Pill>
                ) : (
                  '—'
                )}
              </dd>
              <dt>Payment stage</dt>
              <dd>{d.payment_stage_label ?? '—'}</dd>
              <dt>Expires</dt>
              <dd>{d.expiration_date ? formatDate(d.expiration_date) : '—'}</dd>
              <dt>Lead</dt>
              <dd>
                {d.lead ? (
                  <a href={`/leads/${d.lead.id}`}>{leadName(d.lead)}</a>
                ) : (
                  <span class="muted">Not shared with you</span>
                )}
              </dd>
              <dt>Partner</dt>
              <dd>
                {partner ?? '—'}
                {d.partner_type ? ` (${d.partner_type})` : ''}
              </dd>
              <dt>Side</dt>
              <dd>{owner ? 'Yours' : `Shared by ${d.partner?.name ?? 'a partner'}`}</dd>
              <dt>Tags</dt>
              <dd>
                <div class="chips">
                  {d.tags.length ? d.tags.map((t) => <TagChip key={t.id} tag={t} />) : '—'}
                </div>
              </dd>
              <dt>Assigned</dt>
              <dd>{d.assigned_users.map((u) => personName(u)).join(', ') || '—'}</dd>
              {d.custom_fields.map((cf) => (
                <Fragment key={cf.id}>
                  <dt>{cf.label}</dt>
                  <dd>{customValueText(cf, fields.data?.data)}</dd>
                </Fragment>
              ))}
              <dt>Created</dt>
              <dd>{formatDateTime(d.created_at)}</dd>
              <dt>Updated</dt>
              <dd>{formatDateTime(d.updated_at)}</dd>
            </dl>
          </section>
          <EditDeal deal={d} onSaved={deal.reload} />
        </div>
        <div class="stack">
          <DealNotes dealId={d.id} />
          <DealMoney deal={d} canManage={owner && isAdmin} />
        </div>
      </div>
      {deleting && (
        <Confirm
          title="Delete this deal?"
          action="Delete deal"
          error={deleteError}
          onCancel={() => setDeleting(false)}
          onConfirm={() => void remove()}
        >
          <p>{d.label} disappears from Deals for your company and for the partner it is shared with.</p>
        </Confirm>
      )}
    </Page>
  );
}

/** PATCH /v1/deals/{id}: the owner edits the value and payment stage; each side its stage and tags. */
function EditDeal({ deal, onSaved }: { deal: Deal; onSaved: () => void }) {
  const owner = deal.side === 'owner';
  const form = useForm();
  const [saved, setSaved] = useState(false);
  const stages = useLoad(() => ok(api.GET('/v1/stages/lead-deal-stages')), []);
  const paymentStages = useLoad(
    () => (owner ? ok(api.GET('/v1/stages/payment-stages')) : Promise.resolve(undefined)),
    [owner],
  );
  const tags = useLoad(
    () => ok(api.GET('/v1/tags', { params: { query: { association: 'lead_deal', pageSize: 50 } } })),
    [],
  );
  const current = new Set(deal.tags.map((t) => t.id));

  const submit = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const text = (k: string) => String(data.get(k) ?? '').trim();
    setSaved(false);
    void form.run(async () => {
      const paymentStage = text('payment_stage_id');
      await ok(
        api.PATCH('/v1/deals/{id}', {
          params: { path: { id: deal.id } },
          body: {
            ...(text('stage_id') ? { stage_id: Number(text('stage_id')) } : {}),
            ...(tags.data ? { tags: data.getAll('tags').map(Number) } : {}),
            ...(owner
              ? {
                  deal_value: text('deal_value'),
                  payment_stage_id: paymentStage ? Number(paymentStage) : null,
                }
              : {}),
          },
        }),
      );
      setSaved(true);
      onSaved();
    });
  };

  return (
    <section class="card" aria-labelledby="deal-edit">
      <h2 id="deal-edit">Edit deal</h2>
      <form class="stack" onSubmit={submit} noValidate key={deal.updated_at}>
        <FormError message={form.error} />
        {saved && <Notice tone="success">Saved.</Notice>}
        {owner && (
          <TextField
            label={`Value (${deal.currency_code})`}
            name="deal_value"
            inputMode="decimal"
            defaultValue={deal.deal_value}
            error={form.fields.deal_value}
          />
        )}
        <SelectField
          label="Stage"
          name="stage_id"
          defaultValue={deal.stage_id == null ? '' : String(deal.stage_id)}
          error={form.fields.stage_id}
        >
          {deal.stage_id == null && <option value="">No stage</option>}
          {byPipeline(stages.data?.data ?? []).map((s) => (
            <option key={s.id} value={String(s.id)} selected={s.id === deal.stage_id}>
              {s.label}
            </option>
          ))}
        </SelectField>
        {owner && (
          <SelectField
            label="Payment stage"
            name="payment_stage_id"
            defaultValue={deal.payment_stage_id == null ? '' : String(deal.payment_stage_id)}
            error={form.fields.payment_stage_id}
          >
            <option value="">None</option>
            {[...(paymentStages.data?.data ?? [])]
              .sort((a, b) => a.series - b.series)
              .map((s) => (
                <option key={s.id} value={String(s.id)} selected={s.id === deal.payment_stage_id}>
                  {s.label}
                </option>
              ))}
          </SelectField>
        )}
        {(tags.data?.data.length ?? 0) > 0 && (
          <Choices legend="Tags" inline error={form.fields.tags}>
            {tags.data?.data.map((t) => (
              <Checkbox
                key={t.id}
                label={t.label}
                name="tags"
                value={String(t.id)}
                defaultChecked={current.has(t.id)}
              />
            ))}
          </Choices>
        )}
        <div>
          <button type="submit" class="button button-primary" disabled={form.busy}>
            Save changes
          </button>
        </div>
      </form>
    </section>
  );
}
