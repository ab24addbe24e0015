import { useLocation, useRoute } from 'preact-iso';
import { api, ok } from '../api/client';
import { FormError, TextField } from '../components/Field';
import { Loading, Page } from '../components/Page';
import { formValues, useForm } from '../lib/form';
import { useLoad } from '../lib/hooks';
import { useSession } from '../session';

export function Invite() {
  const { params } = useRoute();
  const token = params.token ?? '';
  const invitation = useLoad(
    () => ok(api.GET('/v1/auth/invitations/{token}', { params: { path: { token } } }), { quiet401: true }),
    [token],
  );
  const form = useForm();
  const { signedIn } = useSession();
  const { route } = useLocation();

  if (invitation.loading) return <Loading />;
  const inv = invitation.data;
  if (!inv) {
    return (
      <Page title="Invitation not found" narrow>
        <p>
          This invitation link is unknown, was already used, or has expired. Ask the person who invited you
          for a new one.
        </p>
        <p>
          <a href="/login">Log in</a>
        </p>
      </Page>
    );
  }

  const submit = (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    void form.run(async () => {
      const session = await ok(
        api.POST('/v1/auth/invitations/{token}/accept', {
          params: { path: { token } },
          body: {
            password: v.password ?? '',
            ...(v.first_name ? { first_name: v.first_name } : {}),
            ...(v.last_name ? { last_name: v.last_name } : {}),
          },
        }),
        { quiet401: true },
      );
      signedIn(session);
      // A partner's contact lands where the pending partnership waits to be accepted.
      route(inv.kind === 'partner' ? '/partners' : '/leads');
    });
  };

  return (
    <Page title={`Join ${inv.company.name}`} narrow>
      <p class="lead-text">
        {inv.kind === 'partner' && inv.partner_company
          ? `${inv.partner_company.name} invited ${inv.company.name} to partner on Journeybee. Set a password to join, then accept the partnership.`
          : `You were invited to join ${inv.company.name} on Journeybee. Set a password to join.`}
      </p>
      <form class="card stack" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        <TextField
          label="Email"
          name="email"
          type="email"
          value={inv.email}
          readOnly
          autoComplete="username"
        />
        <div class="row">
          <TextField
            label="First name"
            name="first_name"
            autoComplete="given-name"
            error={form.fields.first_name}
          />
          <TextField
            label="Last name"
            name="last_name"
            autoComplete="family-name"
            error={form.fields.last_name}
          />
        </div>
        <TextField
          label="Password"
          name="password"
          type="password"
          required
          minLength={10}
          autoComplete="new-password"
          hint="At least 10 characters; avoid common passwords."
          error={form.fields.password}
        />
        <button type="submit" class="button button-primary button-block" disabled={form.busy}>
          Join {inv.company.name}
        </button>
      </form>
    </Page>
  );
}
