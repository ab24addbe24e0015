import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { CONSOLE_DIR } from '../../../src/web/console.js';

// Real-browser tests drive the system's Chromium (Debian's /usr/bin/chromium, installed by
// .ci/run when missing) through playwright-core: no browser is ever downloaded.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking'];

function assertReady(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  if (!existsSync(`${CONSOLE_DIR}/index.html`)) {
    throw new Error(`the console is not built (${CONSOLE_DIR}): run \`npm run build\` first`);
  }
}

export function launchBrowser(): Promise<Browser> {
  assertReady();
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
}

/** One headless Chromium for the test file. */
export function useBrowser(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('the browser has not started');
      return browser;
    },
  };
}

export interface Watched {
  page: Page;
  /** Uncaught page errors and console errors that are not an HTTP status the test expects. */
  problems: string[];
  /** Content-Security-Policy violations the page reported. */
  cspViolations: string[];
}

/** A new page that records script errors and CSP violations, so a test can assert there were none. */
export async function watchedPage(context: BrowserContext): Promise<Watched> {
  const page = await context.newPage();
  const problems: string[] = [];
  const cspViolations: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy/i.test(text)) cspViolations.push(text);
    else if (
      msg.type() === 'error' &&
      !/Failed to load resource: the server responded with a status of 4\d\d/.test(text)
    ) {
      problems.push(`console: ${text}`);
    }
  });
  return { page, problems, cspViolations };
}

export const PHONE = { width: 375, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };

/** The page is no wider than its viewport (nothing to scroll sideways at 375 px). */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scroll, client, culprits } = await page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as any; // runs in the page (compiled without DOM types)
    const width = document.documentElement.clientWidth;
    // The outermost elements that stick out, to say what overflows.
    const out: string[] = [];
    for (const el of [document.body, ...document.querySelectorAll('body *')]) {
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible')
        out.push(`${el.tagName.toLowerCase()}.${el.className}:${el.scrollWidth}`);
    }
    return { scroll: document.documentElement.scrollWidth, client: width, culprits: out.slice(-5) };
  });
  expect(scroll, `page scrolls sideways: ${culprits.join(', ')}`).toBeLessThanOrEqual(client);
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, so the page's own CSP,
 * which forbids inline scripts, stays on) and returns its serious and critical violations.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis as any;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations as AxeViolation[];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      ...v,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
}
