import { useState } from 'preact/hooks';
import { api, type Invitation, messageOf, ok, type Schemas } from '../../api/client';
import { Pill } from '../../components/Badges';
import { SecretValue } from '../../components/Copy';
import { Confirm } from '../../components/Dialog';
import { FormError, Notice, SelectField, TextField } from '../../components/Field';
import { Loading, TableScroll } from '../../components/Page';
import { Pagination } from '../../components/Pagination';
import { formValues, useForm } from '../../lib/form';
import { formatDate, personName } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSignedIn } from '../../session';

type User = Schemas['User'];
type Role = User['role'];
const ROLE_LABELS: Record<Role, string> = { admin: 'Admin', partnerships: 'Partnerships' };
const PAGE_SIZE = 25;

function InviteTeammate({ onInvited }: { onInvited: () => void }) {
  const form = useForm();
  const [sent, setSent] = useState<Invitation | undefined>();
  const submit = (event: Event) => {
    event.preventDefault();
    const el = event.currentTarget as HTMLFormElement;
    const v = formValues(el);
    setSent(undefined);
    void form.run(async () => {
      const invitation = await ok(
        api.POST('/v1/invitations', {
          body: { email: v.email ?? '', role: v.role === 'admin' ? 'admin' : 'partnerships' },
        }),
      );
      setSent(invitation);
      el.reset();
      onInvited();
    });
  };
  return (
    <form class="card stack" onSubmit={submit} noValidate aria-labelledby="invite-heading">
      <h3 id="invite-heading">Invite a teammate</h3>
      <FormError message={form.error} />
      <div class="row row-end">
        <TextField label="Email" name="email" type="email" required error={form.fields.email} />
        <SelectField label="Role" name="role" defaultValue="partnerships" error={form.fields.role}>
          <option value="partnerships">Partnerships</option>
          <option value="admin">Admin</option>
        </SelectField>
        <button type="submit" class="button button-primary" disabled={form.busy}>
          Invite
        </button>
      </div>
      {sent &&
        (sent.invite_url ? (
          <SecretValue
            label={`Invitation link for ${sent.email} (shown once, valid 7 days)`}
            value={sent.invite_url}
          />
        ) : (
          <Notice tone="success">We e-mailed an invitation to {sent.email}.</Notice>
        ))}
    </form>
  );
}

function PendingInvitations({ version }: { version: number }) {
  const list = useLoad(
    () => ok(api.GET('/v1/invitations', { params: { query: { pageSize: 50 } } })),
    [version],
  );
  const [revoking, setRevoking] = useState<Invitation | undefined>();
  const [error, setError] = useState<string | undefined>();
  if (list.loading && !list.data) return <Loading />;
  if (list.error) return <FormError message={list.error} />;
  const invitations = list.data?.data ?? [];
  if (invitations.length === 0) return null;
  const revoke = async (inv: Invitation) => {
    try {
      await ok(api.DELETE('/v1/invitations/{id}', { params: { path: { id: inv.id } } }));
      setRevoking(undefined);
      list.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <section aria-labelledby="pending-heading">
      <h3 id="pending-heading">Pending invitations</h3>
      <ul class="plain-list">
        {invitations.map((inv) => (
          <li key={inv.id} class="invitation-row">
            <span>
              <span class="strong">{inv.email}</span> · {ROLE_LABELS[inv.role]} · expires{' '}
              {formatDate(inv.expires_at)}
            </span>
            <button
              type="button"
              class="button button-danger-quiet"
              onClick={() => setRevoking(inv)}
              aria-label={`Revoke the invitation for ${inv.email}`}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
      {revoking && (
        <Confirm
          title="Revoke this invitation?"
          action="Revoke"
          error={error}
          onCancel={() => setRevoking(undefined)}
          onConfirm={() => void revoke(revoking)}
        >
          <p>The link sent to {revoking.email} stops working.</p>
        </Confirm>
      )}
    </section>
  );
}

export function Team(_: { id?: string | undefined }) {
  const me = useSignedIn();
  const [page, setPage] = useState(1);
  const [invited, setInvited] = useState(0);
  const users = useLoad(
    () => ok(api.GET('/v1/users', { params: { query: { page, pageSize: PAGE_SIZE, indirect: '1' } } })),
    [page],
  );
  const [error, setError] = useState<string | undefined>();
  const [deactivating, setDeactivating] = useState<User | undefined>();

  const update = async (user: User, body: Schemas['UpdateUser']) => {
    setError(undefined);
    try {
      await ok(api.PATCH('/v1/users/{id}', { params: { path: { id: user.id } }, body }));
      users.reload();
    } catch (err) {
      setError(`${personName(user)}: ${messageOf(err)}`);
      users.reload();
    }
  };
  const deactivate = async (user: User) => {
    setError(undefined);
    try {
      await ok(api.DELETE('/v1/users/{id}', { params: { path: { id: user.id } } }));
      setDeactivating(undefined);
      users.reload();
    } catch (err) {
      setError(`${personName(user)}: ${messageOf(err)}`);
      setDeactivating(undefined);
    }
  };

  return (
    <section aria-labelledby="team-heading" class="stack">
      <h2 id="team-heading">Team</h2>
      <InviteTeammate onInvited={() => setInvited((n) => n + 1)} />
      <PendingInvitations version={invited} />
      {error && (
        <div class="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {users.loading && !users.data && <Loading />}
      {users.data && (
        <>
          <TableScroll label="Team members">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.data.map((u) => (
                  <tr key={u.id} class={u.disabled_at ? 'row-muted' : undefined}>
                    <td class="strong">
                      {personName(u)}
                      {u.id === me.user.id && <span class="muted"> (you)</span>}
                    </td>
                    <td>{u.email}</td>
                    <td>
                      <SelectField
                        label={`Role of ${personName(u)}`}
                        hideLabel
                        value={u.role}
                        disabled={Boolean(u.disabled_at)}
                        onChange={(e) => void update(u, { role: e.currentTarget.value as Role })}
                      >
                        <option value="admin">Admin</option>
                        <option value="partnerships">Partnerships</option>
                      </SelectField>
                    </td>
                    <td>
                      <Pill tone={u.disabled_at ? 'neutral' : 'good'}>
                        {u.disabled_at ? 'Deactivated' : 'Active'}
                      </Pill>
                    </td>
                    <td>
                      {u.disabled_at ? (
                        <button
                          type="button"
                          class="button"
                          onClick={() => void update(u, { disabled_at: null })}
                          aria-label={`Reactivate ${personName(u)}`}
                        >
                          Reactivate
                        </button>
                      ) : (
                        <button
                          type="button"
                          class="button button-danger-quiet"
                          onClick={() => setDeactivating(u)}
                          aria-label={`Deactivate ${personName(u)}`}
                        >
                          Deactivate
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <Pagination meta={users.data.meta} page={page} onPage={setPage} noun={['person', 'people']} />
        </>
      )}
      {deactivating && (
        <Confirm
          title={`Deactivate ${personName(deactivating)}?`}
          action="Deactivate"
          onCancel={() => setDeactivating(undefined)}
          onConfirm={() => void deactivate(deactivating)}
        >
          <p>They are logged out everywhere and their API keys stop working until you reactivate them.</p>
        </Confirm>
      )}
    </section>
  );
}
