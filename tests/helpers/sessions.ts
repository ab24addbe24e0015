import { expect } from 'vitest';
import { type ApiResponse, uniq } from './app.js';

// A browser's view of the API: the `jb_session` cookie it was given, the CSRF token of its
// session, and the `Origin` it sends (its page's). Nothing is mocked: real HTTP to the real app.

export const PASSWORD = 'correct horse battery staple';

export interface BrowserRequest {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send `X-CSRF-Token` (default: true when the browser holds one). */
  csrf?: boolean | string;
  /** The Origin header: the page's by default; null sends none. */
  origin?: string | null;
}

export class Browser {
  cookie: string | undefined;
  csrfToken: string | undefined;
  /** Every Set-Cookie the server sent, newest last. */
  readonly setCookies: string[] = [];

  constructor(
    readonly baseUrl: string,
    readonly pageOrigin: string = baseUrl,
  ) {}

  async request<T = any>(method: string, path: string, opts: BrowserRequest = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.cookie) headers.cookie = `jb_session=${this.cookie}`;
    const origin = opts.origin === undefined ? this.pageOrigin : opts.origin;
    if (origin !== null && method !== 'GET') headers.origin = origin;
    const csrf = opts.csrf ?? true;
    if (typeof csrf === 'string') headers['x-csrf-token'] = csrf;
    else if (csrf && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const match = /^jb_session=([^;]*)/.exec(line);
      if (match) this.cookie = match[1] || undefined;
    }
    const text = await res.text();
    const parsed =
      (res.headers.get('content-type') ?? '').includes('application/json') && text ? JSON.parse(text) : text;
    if (parsed && typeof parsed === 'object' && typeof parsed.csrf_token === 'string')
      this.csrfToken = parsed.csrf_token;
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get = <T = any>(path: string, opts?: BrowserRequest) => this.request<T>('GET', path, opts);
  post = <T = any>(path: string, opts?: BrowserRequest) => this.request<T>('POST', path, opts);
  patch = <T = any>(path: string, opts?: BrowserRequest) => this.request<T>('PATCH', path, opts);
  delete = <T = any>(path: string, opts?: BrowserRequest) => this.request<T>('DELETE', path, opts);

  /** The browser, later, on another server process that shares the database. */
  on(baseUrl: string): Browser {
    const other = new Browser(baseUrl);
    other.cookie = this.cookie;
    other.csrfToken = this.csrfToken;
    return other;
  }
}

export const signupBody = (overrides: Record<string, unknown> = {}) => {
  const id = uniq();
  return {
    company_name: `Company ${id}`,
    first_name: 'Ada',
    last_name: 'Admin',
    email: `ada@s${id}.test`,
    password: PASSWORD,
    ...overrides,
  };
};

/** Signs up a new company in a fresh browser; returns the browser (logged in) and the Session. */
export async function signUp(baseUrl: string, overrides: Record<string, unknown> = {}) {
  const browser = new Browser(baseUrl);
  const body = signupBody(overrides);
  const res = await browser.post('/v1/auth/signup', { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { browser, session: res.body, body };
}

/** Logs in a fresh browser; the response must be a Session. */
export async function logIn(
  baseUrl: string,
  email: string,
  password = PASSWORD,
  extra: Record<string, unknown> = {},
) {
  const browser = new Browser(baseUrl);
  const res = await browser.post('/v1/auth/login', { body: { email, password, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return browser;
}
