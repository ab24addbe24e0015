import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, messageOf, ok, type Schemas } from '../../api/client';
import { Pill } from '../../components/Badges';
import { SecretValue } from '../../components/Copy';
import { Confirm, Dialog } from '../../components/Dialog';
import { Checkbox, Choices, FormError, Notice, TextField } from '../../components/Field';
import { Empty, Loading, TableScroll } from '../../components/Page';
import { Pagination } from '../../components/Pagination';
import { formValues, orNull, useForm } from '../../lib/form';
import { formatDateTime, formatRelative } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { WEBHOOK_EVENTS } from '../../lib/webhook-events';

type Endpoint = Schemas['WebhookEndpoint'];
type Delivery = Schemas['WebhookDelivery'];

function AddEndpoint({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const form = useForm();
  const [created, setCreated] = useState<Schemas['WebhookEndpointWithSecret'] | undefined>();
  const submit = (event: Event) => {
    event.preventDefault();
    const el = event.currentTarget as HTMLFormElement;
    const v = formValues(el);
    const events = new FormData(el).getAll('events').map(String) as (typeof WEBHOOK_EVENTS)[number][];
    void form.run(async () => {
      const endpoint = await ok(
        api.POST('/v1/webhooks', { body: { url: v.url ?? '', events, description: orNull(v.description) } }),
      );
      setCreated(endpoint);
      onCreated();
    });
  };
  if (created) {
    return (
      <Dialog title="Endpoint added" onClose={onClose}>
        <div class="stack">
          <output class="alert alert-warning">
            This is the endpoint's signing secret. Copy it now: you will not see it again.
          </output>
          <SecretValue label="Signing secret" value={created.secret} />
          <p class="small muted">
            Deliveries are signed per Standard Webhooks (<code>webhook-id</code>,{' '}
            <code>webhook-timestamp</code>, <code>webhook-signature</code>).
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
  return (
    <Dialog title="Add endpoint" onClose={onClose} wide>
      <form class="stack" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        <TextField
          label="URL"
          name="url"
          type="url"
          required
          placeholder="https://example.com/webhooks/journeybee"
          error={form.fields.url}
        />
        <TextField label="Description" name="description" error={form.fields.description} />
        <Choices legend="Events" error={form.fields.events} inline>
          {WEBHOOK_EVENTS.map((e) => (
            <Checkbox key={e} name="events" value={e} label={e} defaultChecked={e.startsWith('leads.')} />
          ))}
        </Choices>
        <div class="actions">
          <button type="button" class="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="button button-primary" disabled={form.busy}>
            Add endpoint
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const deliveryTone = (d: Delivery) =>
  d.status === 'succeeded' ? 'good' : d.status === 'failed' ? 'bad' : 'warn';

function Deliveries({ endpoint }: { endpoint: Endpoint }) {
  const [page, setPage] = useState(1);
  const [open, setOpen] = useState<number | undefined>();
  const [message, setMessage] = useState<{ tone: 'error' | 'success'; text: string } | undefined>();
  const list = useLoad(
    () =>
      ok(
        api.GET('/v1/webhooks/{id}/deliveries', {
          params: { path: { id: endpoint.id }, query: { page, pageSize: 20 } },
        }),
      ),
    [endpoint.id, page],
  );
  const retry = async (d: Delivery) => {
    setMessage(undefined);
    try {
      await ok(
        api.POST('/v1/webhooks/{id}/deliveries/{deliveryId}/retry', {
          params: { path: { id: endpoint.id, deliveryId: d.id } },
          body: {},
        }),
      );
      setMessage({ tone: 'success', text: `Delivery of ${d.event_type} queued again.` });
      list.reload();
    } catch (err) {
      setMessage({ tone: 'error', text: messageOf(err) });
    }
  };
  const sendTest = async () => {
    setMessage(undefined);
    try {
      await ok(api.POST('/v1/webhooks/{id}/test', { params: { path: { id: endpoint.id } }, body: {} }));
      setMessage({ tone: 'success', text: 'Test event queued.' });
      list.reload();
    } catch (err) {
      setMessage({ tone: 'error', text: messageOf(err) });
    }
  };
  return (
    <section aria-labelledby="deliveries-heading" class="stack">
      <div class="section-head">
        <h3 id="deliveries-heading">Deliveries</h3>
        <span class="actions">
          <button type="button" class="button" onClick={() => list.reload()}>
            Refresh
          </button>
          <button type="button" class="button" onClick={() => void sendTest()}>
            Send test event
          </button>
        </span>
      </div>
      {message &&
        (message.tone === 'error' ? (
          <div class="alert alert-error" role="alert">
            {message.text}
          </div>
        ) : (
          <Notice tone="success">{message.text}</Notice>
        ))}
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.data.length === 0 && (
        <Empty>
          <p>No deliveries yet.</p>
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <>
          <TableScroll label="Deliveries">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last response</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((d) => (
                  <Fragment key={d.id}>
                    <tr>
                      <td>
                        <code>{d.event_type}</code>
                      </td>
                      <td>
                        <Pill tone={deliveryTone(d)}>{d.status}</Pill>
                      </td>
                      <td>
                        <button
                          type="button"
                          class="button button-quiet"
                          aria-expanded={open === d.id}
                          onClick={() => setOpen(open === d.id ? undefined : d.id)}
                          aria-label={`${d.attempt_count} attempts of ${d.event_type}: ${open === d.id ? 'hide' : 'show'}`}
                        >
                          {d.attempt_count} {d.attempt_count === 1 ? 'attempt' : 'attempts'}
                        </button>
                      </td>
                      <td>{d.last_status_code ?? d.last_error ?? '—'}</td>
                      <td class="nowrap" title={formatDateTime(d.created_at)}>
                        {formatRelative(d.created_at)}
                      </td>
                      <td>
                        {d.status !== 'pending' && (
                          <button
                            type="button"
                            class="button"
                            onClick={() => void retry(d)}
                            aria-label={`Retry ${d.event_type} delivery ${d.id}`}
                          >
                            Retry
                          </button>
                        )}
                      </td>
                    </tr>
                    {open === d.id && (
                      <tr class="attempts-row">
                        <td colSpan={6}>
                          {d.attempts.length === 0 ? (
                            <p class="muted">
                              Not attempted yet
                              {d.next_attempt_at ? `; next attempt ${formatRelative(d.next_attempt_at)}` : ''}
                              .
                            </p>
                          ) : (
                            <ol class="attempts">
                              {d.attempts.map((a) => (
                                <li key={a.id}>
                                  <span class="strong">{a.status_code ?? 'No response'}</span> ·{' '}
                                  {a.duration_ms} ms · {formatDateTime(a.attempted_at)}
                                  {a.error && <span class="field-error"> {a.error}</span>}
                                  {a.response_excerpt && <pre class="excerpt">{a.response_excerpt}</pre>}
                                </li>
                              ))}
                            </ol>
                          )}
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <Pagination meta={list.data.meta} page={page} onPage={setPage} noun={['delivery', 'deliveries']} />
        </>
      )}
    </section>
  );
}

function EndpointDetail({ id }: { id: number }) {
  const { route } = useLocation();
  const endpoint = useLoad(() => ok(api.GET('/v1/webhooks/{id}', { params: { path: { id } } })), [id]);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [secret, setSecret] = useState<string | undefined>();
  if (endpoint.loading && !endpoint.data) return <Loading />;
  const e = endpoint.data;
  if (!e) return <FormError message={endpoint.error} />;
  const toggle = async () => {
    setError(undefined);
    try {
      await ok(api.PATCH('/v1/webhooks/{id}', { params: { path: { id } }, body: { active: !e.active } }));
      endpoint.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const rotate = async () => {
    setError(undefined);
    try {
      const rotated = await ok(
        api.POST('/v1/webhooks/{id}/rotate-secret', { params: { path: { id } }, body: {} }),
      );
      setSecret(rotated.secret);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const remove = async () => {
    try {
      await ok(api.DELETE('/v1/webhooks/{id}', { params: { path: { id } } }));
      route('/settings/webhooks');
    } catch (err) {
      setError(messageOf(err));
      setDeleting(false);
    }
  };
  return (
    <div class="stack">
      <p>
        <a href="/settings/webhooks">← Webhooks</a>
      </p>
      <section class="card stack" aria-labelledby="endpoint-heading">
        <div class="section-head">
          <h2 id="endpoint-heading" class="break">
            {e.url}
          </h2>
          <Pill tone={e.active ? 'good' : 'neutral'}>{e.active ? 'Active' : 'Paused'}</Pill>
        </div>
        {e.description && <p>{e.description}</p>}
        <p class="small">
          Events:{' '}
          {e.events.map((ev) => (
            <code key={ev} class="code-chip">
              {ev}
            </code>
          ))}
        </p>
        {e.disabled_reason && <p class="alert alert-warning">{e.disabled_reason}</p>}
        {error && (
          <div class="alert alert-error" role="alert">
            {error}
          </div>
        )}
        {secret && (
          <>
            <output class="alert alert-warning">
              The new signing secret: copy it now, you will not see it again. The previous one keeps working
              for a while.
            </output>
            <SecretValue label="Signing secret" value={secret} />
          </>
        )}
        <div class="actions actions-start">
          <button type="button" class="button" onClick={() => void toggle()}>
            {e.active ? 'Pause' : 'Resume'}
          </button>
          <button type="button" class="button" onClick={() => void rotate()}>
            Rotate secret
          </button>
          <button type="button" class="button button-danger-quiet" onClick={() => setDeleting(true)}>
            Delete endpoint
          </button>
        </div>
      </section>
      <Deliveries endpoint={e} />
      {deleting && (
        <Confirm
          title="Delete this endpoint?"
          action="Delete endpoint"
          onCancel={() => setDeleting(false)}
          onConfirm={() => void remove()}
        >
          <p>{e.url} receives no more events. Its delivery history is deleted with it.</p>
        </Confirm>
      )}
    </div>
  );
}

export function Webhooks({ id }: { id?: string | undefined }) {
  const list = useLoad(() => ok(api.GET('/v1/webhooks', { params: { query: { pageSize: 50 } } })), []);
  const [adding, setAdding] = useState(false);
  if (id) return <EndpointDetail id={Number(id)} />;
  return (
    <section aria-labelledby="webhooks-heading">
      <div class="section-head">
        <h2 id="webhooks-heading">Webhooks</h2>
        <button type="button" class="button button-primary" onClick={() => setAdding(true)}>
          Add endpoint
        </button>
      </div>
      <p class="muted">
        Journeybee POSTs a signed JSON event to each endpoint when leads, partners or users change.
      </p>
      {list.error && (
        <div class="alert alert-error" role="alert">
          {list.error}
        </div>
      )}
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.data.length === 0 && (
        <Empty>
          <p>No endpoints yet.</p>
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <TableScroll label="Webhook endpoints">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Failures</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((e) => (
                <tr key={e.id}>
                  <td class="break">
                    <a class="strong" href={`/settings/webhooks/${e.id}`}>
                      {e.url}
                    </a>
                    {e.description && <div class="muted small">{e.description}</div>}
                  </td>
                  <td>{e.events.length === 1 ? e.events[0] : `${e.events.length} events`}</td>
                  <td>
                    <Pill tone={e.disabled_at ? 'bad' : e.active ? 'good' : 'neutral'}>
                      {e.disabled_at ? 'Disabled' : e.active ? 'Active' : 'Paused'}
                    </Pill>
                  </td>
                  <td>{e.consecutive_failures}</td>
                  <td class="nowrap">{formatRelative(e.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {adding && <AddEndpoint onClose={() => setAdding(false)} onCreated={() => list.reload()} />}
    </section>
  );
}
