import type { ComponentChildren } from 'preact';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { Redirect } from './components/Redirect';
import { Shell } from './components/Shell';
import { NotificationsProvider } from './notifications';
import { DealDetail } from './pages/deals/DealDetail';
import { Deals } from './pages/deals/Deals';
import { ForgotPassword } from './pages/ForgotPassword';
import { ImportLeads } from './pages/ImportLeads';
import { Invite } from './pages/Invite';
import { LeadDetail } from './pages/LeadDetail';
import { Leads } from './pages/Leads';
import { LogIn } from './pages/LogIn';
import { NewLead } from './pages/NewLead';
import { NotFound } from './pages/NotFound';
import { Notifications } from './pages/Notifications';
import { Partners } from './pages/Partners';
import { Reports } from './pages/Reports';
import { ResetPassword } from './pages/ResetPassword';
import { SignUp } from './pages/SignUp';
import { Settings } from './pages/settings/Settings';
import { SessionProvider, useSession } from './session';

/** Pages anyone may open; every other page needs a session. */
const PUBLIC_PATHS = [
  /^\/signup$/,
  /^\/login$/,
  /^\/forgot-password$/,
  /^\/invite\/[^/]+$/,
  /^\/reset-password\/[^/]+$/,
];

function PublicLayout({ children }: { children: ComponentChildren }) {
  return (
    <div class="public">
      <a class="brand brand-public" href="/">
        <img src={new URL('./assets/favicon.svg', import.meta.url).href} alt="" width="32" height="32" />
        <span>Journeybee</span>
      </a>
      <main id="main" class="public-main">
        {children}
      </main>
    </div>
  );
}

function Routes() {
  const { session } = useSession();
  const { path, url } = useLocation();
  const normalized = path.replace(/\/+$/, '') || '/';
  const isPublic = PUBLIC_PATHS.some((p) => p.test(normalized));

  if (session === undefined) {
    return <output class="splash">Loading Journeybee…</output>;
  }
  if (isPublic) {
    // Signed in already: sign-up and log-in pages lead to the console itself.
    if (session && (normalized === '/login' || normalized === '/signup')) return <Redirect to="/leads" />;
    return (
      <PublicLayout>
        <Router>
          <Route path="/signup" component={SignUp} />
          <Route path="/login" component={LogIn} />
          <Route path="/forgot-password" component={ForgotPassword} />
          <Route path="/invite/:token" component={Invite} />
          <Route path="/reset-password/:token" component={ResetPassword} />
        </Router>
      </PublicLayout>
    );
  }
  if (!session) {
    const next = normalized === '/' ? '' : `?next=${encodeURIComponent(url)}`;
    return <Redirect to={`/login${next}`} />;
  }
  return (
    <NotificationsProvider>
      <Shell>
        <Router>
          <Route path="/" component={() => <Redirect to="/leads" />} />
          <Route path="/leads" component={Leads} />
          <Route path="/leads/new" component={NewLead} />
          <Route path="/leads/import" component={ImportLeads} />
          <Route path="/leads/:id" component={LeadDetail} />
          <Route path="/deals" component={Deals} />
          <Route path="/deals/:id" component={DealDetail} />
          <Route path="/partners" component={Partners} />
          <Route path="/reports" component={Reports} />
          <Route path="/notifications" component={Notifications} />
          <Route path="/settings" component={Settings} />
          <Route path="/settings/:tab" component={Settings} />
          <Route path="/settings/:tab/:id" component={Settings} />
          <Route default component={NotFound} />
        </Router>
      </Shell>
    </NotificationsProvider>
  );
}

export function App() {
  return (
    <LocationProvider>
      <SessionProvider>
        <Routes />
      </SessionProvider>
    </LocationProvider>
  );
}
