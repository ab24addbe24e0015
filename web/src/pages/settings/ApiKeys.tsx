import { useState } from 'preact/hooks';
import { api, messageOf, ok, type Schemas } from '../../api/client';
import { Pill } from '../../components/Badges';
import { SecretValue } from '../../components/Copy';
import { Confirm, Dialog } from '../../components/Dialog';
import { Choices, FormError, Radio, TextField } from '../../components/Field';
import { Empty, Loading, TableScroll } from '../../components/Page';
import { Pagination } from '../../components/Pagination';
import { formValues, useForm } from '../../lib/form';
import { formatDate, formatDateTime, formatRelative, personName } from '../../lib/format';
import { useLoad } from '../../lib/hooks';

type ApiKey = Schemas['ApiKey'];
type CreatedKey = Schemas['CreatedApiKey'];
const PAGE_SIZE = 20;

function CreateKey({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const form = useForm();
  const [created, setCreated] = useState<CreatedKey | undefined>();
  const submit = (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    void form.run(async () => {
      const key = await ok(
        api.POST('/v1/api-keys', {
          body: {
            permission: v.permission === 'write' ? 'write' : 'read',
            ...(v.name ? { name: v.name } : {}),
            // The end of the chosen day, in the browser's time zone.
            ...(v.expires ? { expires_at: new Date(`${v.expires}T23:59:59`).toISOString() } : {}),
          },
        }),
      );
      setCreated(key);
      onCreated();
    });
  };

  if (created) {
    return (
      <Dialog title="Your new API key" onClose={onClose}>
        <div class="stack">
          <output class="alert alert-warning">
            Copy this key now and keep it somewhere safe: you will not see it again.
          </output>
          <SecretValue label={created.name ? `API key “${created.name}”` : 'API key'} value={created.key} />
          <p class="small muted">
            Use it as <code>Authorization: Bearer {created.prefix}…</code>.{' '}
            {created.permission === 'write' ? 'Write' : 'Read'} access
            {created.expires_at ? `, expires ${formatDate(created.expires_at)}` : ', no expiry'}.
          </p>
          <div class="actions">
            <button type="button" class="button button-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      </Dialog>
    );
  }

  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return (
    <Dialog title="Create key" onClose={onClose}>
      <form class="stack" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        <TextField
          label="Name"
          name="name"
          placeholder="e.g. CRM sync"
          maxLength={100}
          error={form.fields.name}
        />
        <Choices legend="Permission" error={form.fields.permission}>
          <Radio
            name="permission"
            value="read"
            label={
              <>
                <span class="strong">Read</span> <span class="muted">— GET requests only</span>
              </>
            }
            defaultChecked
          />
          <Radio
            name="permission"
            value="write"
            label={
              <>
                <span class="strong">Write</span> <span class="muted">— everything your role allows</span>
              </>
            }
          />
        </Choices>
        <TextField
          label="Expires (optional)"
          name="expires"
          type="date"
          min={tomorrow}
          hint="Leave empty for a key that works until it is revoked."
          error={form.fields.expires_at}
        />
        <div class="actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={form.busy}>
            Create key
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function keyState(k: ApiKey): { label: string; tone: 'good' | 'bad' | 'neutral' } {
  if (k.revoked_at) return { label: 'Revoked', tone: 'bad' };
  if (k.expires_at && new Date(k.expires_at).getTime() <= Date.now())
    return { label: 'Expired', tone: 'neutral' };
  return { label: 'Active', tone: 'good' };
}

export function ApiKeys(_: { id?: string | undefined }) {
  const [page, setPage] = useState(1);
  const keys = useLoad(
    () => ok(api.GET('/v1/api-keys', { params: { query: { page, pageSize: PAGE_SIZE } } })),
    [page],
  );
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | undefined>();
  const [revokeError, setRevokeError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const revoke = async (k: ApiKey) => {
    setBusy(true);
    setRevokeError(undefined);
    try {
      await ok(api.DELETE('/v1/api-keys/{id}', { params: { path: { id: k.id } } }));
      setRevoking(undefined);
      keys.reload();
    } catch (err) {
      setRevokeError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="keys-heading">
      <div class="section-head">
        <h2 id="keys-heading">API Keys</h2>
        <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
          Create key
        </button>
      </div>
      <p class="muted">
        Keys let your tools call the Journeybee API as you. Create as many as you need and revoke them at any
        time; the reference is at <a href="/docs">/docs</a>.
      </p>
      {keys.error && (
        <div class="alert alert-error" role="alert">
          {keys.error}
        </div>
      )}
      {keys.loading && !keys.data && <Loading />}
      {keys.data && keys.data.data.length === 0 && (
        <Empty>
          <p>No API keys yet. Create one to call the API from your scripts and integrations.</p>
        </Empty>
      )}
      {keys.data && keys.data.data.length > 0 && (
        <>
          <TableScroll label="API keys">
            <table class="table" data-testid="api-keys">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Prefix</th>
                  <th scope="col">Permission</th>
                  <th scope="col">Created by</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.data.map((k) => {
                  const state = keyState(k);
                  return (
                    <tr key={k.id} class={k.revoked_at ? 'row-muted' : undefined}>
                      <td class="strong">{k.name ?? 'Unnamed key'}</td>
                      <td>
                        <code>{k.prefix}…</code>
                      </td>
                      <td>{k.permission === 'write' ? 'Write' : 'Read'}</td>
                      <td>{k.user ? personName(k.user) : 'Operator (CLI)'}</td>
                      <td class="nowrap">{formatDate(k.created_at)}</td>
                      <td class="nowrap" title={k.last_used_at ? formatDateTime(k.last_used_at) : undefined}>
                        {k.last_used_at ? formatRelative(k.last_used_at) : 'Never'}
                      </td>
                      <td class="nowrap">{k.expires_at ? formatDate(k.expires_at) : 'Never'}</td>
                      <td>
                        <Pill tone={state.tone}>{state.label}</Pill>
                      </td>
                      <td>
                        {!k.revoked_at && (
                          <button
                            type="button"
                            class="button button-danger-quiet"
                            onClick={() => setRevoking(k)}
                            aria-label={`Revoke ${k.name ?? `key ${k.prefix}`}`}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableScroll>
          <Pagination meta={keys.data.meta} page={page} onPage={setPage} noun={['key', 'keys']} />
        </>
      )}
      {creating && <CreateKey onClose={() => setCreating(false)} onCreated={() => keys.reload()} />}
      {revoking && (
        <Confirm
          title="Revoke this key?"
          action="Revoke"
          busy={busy}
          error={revokeError}
          onCancel={() => {
            setRevoking(undefined);
            setRevokeError(undefined);
          }}
          onConfirm={() => void revoke(revoking)}
        >
          <p>
            <span class="strong">{revoking.name ?? 'This key'}</span> (<code>{revoking.prefix}…</code>) stops
            working at once: every request made with it is refused. This cannot be undone.
          </p>
        </Confirm>
      )}
    </section>
  );
}
