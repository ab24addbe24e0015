import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiFailure, api, ok } from '../api/client';
import { Choices, FormError, Radio, TextField } from '../components/Field';
import { Page } from '../components/Page';
import { formValues, useForm } from '../lib/form';
import { useSession } from '../session';

interface CompanyChoice {
  id: number;
  name: string;
}

/** Where to go after logging in: the page that asked for it, if it is one of ours. */
function nextPath(query: Record<string, string>): string {
  const next = query.next;
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/leads';
}

export function LogIn() {
  const form = useForm();
  const { signedIn } = useSession();
  const { route, query } = useLocation();
  const [companies, setCompanies] = useState<CompanyChoice[] | undefined>();

  const submit = (event: Event) => {
    event.preventDefault();
    const v = formValues(event.currentTarget as HTMLFormElement);
    void form.run(async () => {
      try {
        const session = await ok(
          api.POST('/v1/auth/login', {
            body: {
              email: v.email ?? '',
              password: v.password ?? '',
              ...(v.company_id ? { company_id: Number(v.company_id) } : {}),
            },
          }),
          { quiet401: true },
        );
        signedIn(session);
        route(nextPath(query));
      } catch (err) {
        // The same email and password in several companies: the API lists them to choose from.
        if (err instanceof ApiFailure && err.status === 409 && Array.isArray(err.body.companies)) {
          setCompanies(err.body.companies as CompanyChoice[]);
        }
        throw err;
      }
    });
  };

  return (
    <Page title="Log in" narrow>
      <form class="card stack" onSubmit={submit} noValidate>
        <FormError message={form.error} />
        <TextField
          label="Email"
          name="email"
          type="email"
          required
          autoComplete="username"
          error={form.fields.email}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          required
          autoComplete="current-password"
          error={form.fields.password}
        />
        {companies && (
          <Choices legend="Company" hint="Your email has an account in several companies.">
            {companies.map((c, i) => (
              <Radio
                key={c.id}
                name="company_id"
                value={String(c.id)}
                label={c.name}
                defaultChecked={i === 0}
              />
            ))}
          </Choices>
        )}
        <button type="submit" class="button button-primary button-block" disabled={form.busy}>
          Log in
        </button>
        <a class="small" href="/forgot-password">
          Forgot your password?
        </a>
      </form>
      <p class="below-card">
        New to Journeybee? <a href="/signup">Sign up</a>
      </p>
    </Page>
  );
}
