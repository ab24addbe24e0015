import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { personName } from '../lib/format';
import { useNotifications } from '../notifications';
import { useSession, useSignedIn } from '../session';

const NAV = [
  { href: '/leads', label: 'Leads' },
  { href: '/deals', label: 'Deals' },
  { href: '/partners', label: 'Partners' },
  { href: '/reports', label: 'Reports' },
  { href: '/settings', label: 'Settings' },
];

function Bell() {
  const { unread } = useNotifications();
  const { path } = useLocation();
  const count = unread ?? 0;
  const label = count === 0 ? 'Notifications' : `Notifications, ${count} unread`;
  return (
    <a
      class="bell"
      href="/notifications"
      aria-label={label}
      aria-current={path === '/notifications' ? 'page' : undefined}
      data-testid="bell"
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
        <path
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
          fill="currentColor"
        />
      </svg>
      {count > 0 && (
        <span class="bell-count" aria-hidden="true" data-testid="bell-count">
          {count > 99 ? '99+' : count}
        </span>
      )}
    </a>
  );
}

/** A short-lived "New: …" message when a notification arrives on the live stream. */
function Toast() {
  const { latest } = useNotifications();
  const [shown, setShown] = useState<string | undefined>();
  useEffect(() => {
    if (!latest) return;
    setShown(latest.title);
    const timer = setTimeout(() => setShown(undefined), 6000);
    return () => clearTimeout(timer);
  }, [latest]);
  return (
    <output class="toast-region" aria-live="polite">
      {shown && <div class="toast">{shown}</div>}
    </output>
  );
}

export function Shell({ children }: { children: ComponentChildren }) {
  const { user, company } = useSignedIn();
  const { signOut } = useSession();
  const { path, route } = useLocation();
  const logOut = async () => {
    await signOut();
    route('/login');
  };
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/leads">
          <img src={new URL('../assets/favicon.svg', import.meta.url).href} alt="" width="28" height="28" />
          <span>Journeybee</span>
        </a>
        <nav class="mainnav" aria-label="Main">
          {NAV.map((item) => (
            <a
              key={item.href}
              href={item.href}
              aria-current={path === item.href || path.startsWith(`${item.href}/`) ? 'page' : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <div class="topbar-end">
          <Bell />
          <div class="whoami">
            <span class="whoami-name">{personName(user)}</span>
            <span class="whoami-company">{company.name}</span>
          </div>
          <button type="button" class="button button-quiet" onClick={logOut}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" class="main">
        {children}
      </main>
      <Toast />
    </div>
  );
}
