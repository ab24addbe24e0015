import { useRoute } from 'preact-iso';
import { Page } from '../../components/Page';
import { Redirect } from '../../components/Redirect';
import { useSignedIn } from '../../session';
import { ApiKeys } from './ApiKeys';
import { Company } from './Company';
import { Profile } from './Profile';
import { Team } from './Team';
import { Webhooks } from './Webhooks';

const TABS = [
  { slug: 'company', label: 'Company', admin: true, component: Company },
  { slug: 'team', label: 'Team', admin: true, component: Team },
  { slug: 'api-keys', label: 'API Keys', admin: true, component: ApiKeys },
  { slug: 'webhooks', label: 'Webhooks', admin: true, component: Webhooks },
  { slug: 'profile', label: 'Profile', admin: false, component: Profile },
] as const;

/** Settings: the admin tabs for administrators; everyone has their own profile. */
export function Settings() {
  const { params } = useRoute();
  const { isAdmin } = useSignedIn();
  const tabs = TABS.filter((t) => isAdmin || !t.admin);
  const current = tabs.find((t) => t.slug === params.tab);
  if (!current) return <Redirect to={`/settings/${tabs[0]!.slug}`} />;
  const Tab = current.component;
  return (
    <Page title="Settings">
      <nav class="tabs" aria-label="Settings">
        {tabs.map((t) => (
          <a
            key={t.slug}
            href={`/settings/${t.slug}`}
            aria-current={t.slug === current.slug ? 'page' : undefined}
          >
            {t.label}
          </a>
        ))}
      </nav>
      <div class="tab-panel">
        <Tab id={params.id} />
      </div>
    </Page>
  );
}
