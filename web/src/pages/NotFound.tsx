import { Page } from '../components/Page';

export function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no page here. Go to <a href="/leads">Leads</a>.
      </p>
    </Page>
  );
}
