// In a real browser (Debian's headless Chromium, driven by playwright-core; no browser download): the
// /docs page renders the operations, and a page loading the client's browser bundle lists, creates
// and reads profiles against the Prism mock, the sandbox-like server (CORS on) and the plain server.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrism, type PrismProcess } from '../support/prism.js';
import { type TestServer, suiteServer } from '../support/server.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
if (!available)
  console.warn(`\n  Browser tests skipped: ${CHROMIUM} not found (apt-get install chromium; CI installs it).\n`);

let browser: Browser;
let server: TestServer;
let prism: PrismProcess;
let page: Server;
let pageUrl = '';

beforeAll(async () => {
  if (!available) return;
  execFileSync(process.execPath, ['scripts/build-client.mjs'], { stdio: 'pipe' });
  server = await suiteServer({ env: { CORS_ORIGINS: '*' } });
  prism = await startPrism();
  // The page the browser loads: the client bundle, served from its own origin (so CORS is real).
  const bundle = readFileSync(new URL('../../client/dist/browser.js', import.meta.url), 'utf8');
  page = createServer((req, res) => {
    if (req.url === '/browser.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          '<!doctype html><title>client</title><script type="module">import * as c from "/browser.js"; window.client = c; window.ready = true;</script>',
        );
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', () => resolve()));
  const address = page.address();
  pageUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (page ? page.close(r) : r(undefined)));
  await prism?.stop();
  await server?.close();
});

async function runInPage(baseUrl: string, apiKey: string): Promise<{ listed: number; created: string; read: string }> {
  const tab = await browser.newPage();
  try {
    await tab.goto(pageUrl);
    await tab.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    return await tab.evaluate(
      async ({ baseUrl, apiKey }) => {
        const c = (window as unknown as { client: typeof import('../../client/index.js') }).client;
        const api = c.createAccessProfilesClient({ baseUrl, apiKey });
        const list = c.unwrap(await api.GET('/api/access-profiles', { params: { query: { limit: 10 } } }));
        const created = c.unwrap(
          await api.POST('/api/access-profiles', { body: { name: `browser-${Date.now()}` } }),
        ).access_profile;
        const read = c.unwrap(
          await api.GET('/api/access-profiles/{id}', { params: { path: { id: created.id } } }),
        ).access_profile;
        return { listed: list.count, created: created.name, read: read.name };
      },
      { baseUrl, apiKey },
    );
  } finally {
    await tab.close();
  }
}

describe.skipIf(!available)('in a real browser', () => {
  it('When /docs is opened, then the reference page renders the operations (screenshot saved)', async () => {
    const tab = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const blocked: string[] = [];
    const elsewhere: string[] = [];
    tab.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    tab.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !/^(data|blob):/.test(r.url())) elsewhere.push(r.url());
    });
    await tab.goto(`${server.url}/docs`);
    const version = (
      JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8')) as {
        info: { version: string };
      }
    ).info.version;
    await tab.getByText(`Access Profiles API (${version})`).waitFor();
    // Operations sit under their tags in the sidebar: open one, as a reader would.
    await tab.getByText('Access Profiles', { exact: true }).first().click();
    await tab.getByText('Get access profile by ID').first().waitFor();
    expect(await tab.getByText('Activate access profile').count()).toBeGreaterThan(0);
    expect(tab.url()).toContain('/docs'); // in-page navigation: the scripts are inlined, nothing is fetched from a CDN
    expect(blocked, 'the CSP blocks nothing the page needs').toEqual([]);
    expect(elsewhere, 'no request leaves the server').toEqual([]);
    mkdirSync('test-results', { recursive: true });
    await tab.screenshot({ path: 'test-results/docs.png' });
    await tab.close();
  });

  it('When the client bundle runs in the page against the Prism mock, then it lists, creates and reads', async () => {
    const r = await runInPage(prism.baseUrl, 'any-key');
    expect(r).toEqual({ listed: 1, created: 'Data Science', read: 'Engineering Default' });
  });

  it('When the client bundle runs in the page against the server (CORS on), then what it creates it reads back', async () => {
    const r = await runInPage(server.url, server.adminKey);
    expect(r.read).toBe(r.created);
    expect(r.created).toMatch(/^browser-/);
  });
});
