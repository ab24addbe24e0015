import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ok } from '../../api/client';
import { Dialog } from '../../components/Dialog';
import { FormError, SelectField, TextField } from '../../components/Field';
import { byPipeline } from '../../lib/deals';
import { formValues, useForm } from '../../lib/form';
import { useLoad } from '../../lib/hooks';
import { leadTitle } from '../../lib/leads';

/**
 * POST /v1/deals. From a lead's page the lead is given; from Deals, the person picks one
 * (a search over the company's leads). The new deal's page opens on success.
 */
export function NewDeal({ lead, onClose }: { lead?: { id: number; title: string }; onClose: () => void }) {
  const { route } = useLocation();
  const form = useForm();
  const [search, setSearch] = useState('');
  const leads = useLoad(
    () =>
      lead
        ? Promise.resolve(undefined)
        : ok(
            api.GET('/v1/leads', {
              params: { query: { pageSize: 50, sort: '-updated_at', ...(search ? { search } : {}) } },
            }),
          ),
    [search, lead?.id],
  );
  const stages = useLoad(() => ok(api.GET('/v1/stages/lead-deal-stages')), []);
  const ordered = byPipeline(stages.data?.data ?? []);

  const submit = (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    void form.run(async () => {
      const leadId = lead?.id ?? Number(v.lead_id);
      const created = await ok(
        api.POST('/v1/deals', {
          body: {
            ...(leadId ? { lead_id: leadId } : {}),
            ...(v.label ? { label: v.label } : {}),
            ...(v.deal_value ? { deal_value: v.deal_value } : {}),
            ...(v.currency_code ? { currency_code: v.currency_code.toUpperCase() } : {}),
            ...(v.stage_id ? { stage_id: Number(v.stage_id) } : {}),
            ...(v.expiration_date ? { expiration_date: v.expiration_date } : {}),
          },
        }),
      );
      onClose();
      route(`/deals/${created.id}`);
    });
  };

  return (
    <Dialog title="New deal" onClose={onClose} wide>
      <form class="stack" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        {lead ? (
          <p>
            On the lead <span class="strong">{lead.title}</span>.
          </p>
        ) : (
          <div class="row row-end">
            <TextField
              label="Find a lead"
              type="search"
              value={search}
              onInput={(e) => setSearch(e.currentTarget.value.trim())}
              placeholder="Company, email or name"
            />
            <SelectField label="Lead" name="lead_id" required error={form.fields.lead_id}>
              {(leads.data?.data ?? []).map((l) => (
                <option key={l.id} value={String(l.id)}>
                  {leadTitle(l)}
                </option>
              ))}
            </SelectField>
          </div>
        )}
        <TextField
          label="Label"
          name="label"
          error={form.fields.label}
          hint="Leave empty to name the deal after its lead."
        />
        <div class="row">
          <TextField
            label="Value"
            name="deal_value"
            inputMode="decimal"
            placeholder="1250.50"
            error={form.fields.deal_value}
          />
          <TextField
            label="Currency"
            name="currency_code"
            maxLength={3}
            placeholder="USD"
            hint="ISO code; empty: your company's currency"
            error={form.fields.currency_code}
          />
        </div>
        <div class="row">
          <SelectField label="Stage" name="stage_id" error={form.fields.stage_id}>
            {ordered.map((s) => (
              <option key={s.id} value={String(s.id)}>
                {s.label}
              </option>
            ))}
          </SelectField>
          <TextField
            label="Expiration date"
            name="expiration_date"
            type="date"
            error={form.fields.expiration_date}
          />
        </div>
        <div class="actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={form.busy}>
            Create deal
          </button>
        </div>
      </form>
    </Dialog>
  );
}
