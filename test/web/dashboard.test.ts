import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiHarness, type ApiHarness } from '../api/api-harness.js';
import { loadPlanner } from '../api/test-planner.js';

/** Debian's chromium (scripts/install-system-deps.sh); playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
export const SCREENSHOT = '/tmp/lbe-dashboard.png';

const VALID_SPEC = { name: 'dashboard-test', base: 'debian', packages: ['curl'], outputs: { docker: true } };

describe('dashboard in a real browser', () => {
  let h: ApiHarness;
  let baseUrl: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    h = await openApiHarness('sqlite', { planner: await loadPlanner() });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(10_000);
    // A CSP violation or a script error shows up as a console error or a page error.
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await browser.close();
    await h.cleanup();
  });

  it('serves the three files with their content types, hidden from OpenAPI', async () => {
    const root = await fetch(`${baseUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('ui/');
    const bare = await fetch(`${baseUrl}/ui`);
    expect(bare.url).toBe(`${baseUrl}/ui/`);
    const index = await fetch(`${baseUrl}/ui/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const js = await fetch(`${baseUrl}/ui/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const css = await fetch(`${baseUrl}/ui/app.css`, { headers: { 'if-none-match': '"x"' } });
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const again = await fetch(`${baseUrl}/ui/app.css`, {
      headers: { 'if-none-match': css.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect((await fetch(`${baseUrl}/ui/../package.json`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/ui/app.ts`)).status).toBe(404);
    const doc = (await (await fetch(`${baseUrl}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p === '/' || p.startsWith('/ui'))).toEqual([]);
  });

  it('without a key shows the auth error; with the key lists presets and builds', async () => {
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.textContent('#message')).toContain('LBE_AUTH_MISSING');
    await page.fill('#api-key', h.keyA);
    await page.click('#key-form button[type=submit]');
    await expect.poll(() => page.locator('#preset option').count()).toBeGreaterThan(1);
    expect(await page.isHidden('#message')).toBe(true);
    expect(await page.evaluate("sessionStorage.getItem('lbe.apiKey')")).toBe(h.keyA);
  });

  it('shows each validation error with its path', async () => {
    await page.fill(
      '#spec',
      JSON.stringify({ name: 'x', base: 'windows', hostname: '-bad-', colour: 'red' }),
    );
    await page.click('#start');
    await expect.poll(() => page.textContent('#spec-result')).toContain('LBE_SPEC_INVALID');
    const paths = await page.locator('#spec-issues li code').allTextContents();
    expect(paths).toEqual(expect.arrayContaining(['base', 'hostname', 'colour']));
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-errors.png') });
    expect(await h.runtime.store.builds.list(h.tenantA, { limit: 10 })).toMatchObject({ items: [] });

    await page.fill('#spec', '{ name: not json');
    await page.click('#validate');
    await expect.poll(() => page.textContent('#spec-result')).toContain('not valid JSON');
  });

  it('submits a valid spec: the build is listed as QUEUED and watched live', async () => {
    await page.fill('#spec', JSON.stringify(VALID_SPEC, null, 2));
    await page.click('#validate');
    await expect.poll(() => page.textContent('#spec-result')).toBe('The spec is valid.');
    await page.click('#start');
    await expect.poll(() => page.textContent('#spec-result')).toMatch(/^Build [a-z0-9]+ is QUEUED\.$/);
    const row = page.locator('#builds tbody tr', { hasText: 'dashboard-test' });
    await expect.poll(() => row.locator('.status').textContent()).toBe('QUEUED');
    const buildId = (await row.getAttribute('data-build-id'))!;
    const stored = await h.runtime.store.builds.get(h.tenantA, buildId);
    expect(stored?.status).toBe('QUEUED');

    // The detail panel subscribes over /ws (allowed by the CSP): events published on the server appear.
    await expect.poll(() => page.textContent('#detail-live')).toBe('live');
    await h.runtime.store.builds.claimForWorker(buildId, 'dashboard-test');
    // What the worker's event bridge sends when it claims the build and runs its steps.
    h.runtime.events.publish({ type: 'BUILD_STATUS', buildId, tenantId: h.tenantA, status: 'IN_PROGRESS' });
    h.runtime.events.publish({
      type: 'LOG',
      buildId,
      tenantId: h.tenantA,
      line: 'Setting up curl (7.88.1-10)',
      ts: Date.now(),
    });
    h.runtime.events.publish({ type: 'STEP', buildId, tenantId: h.tenantA, step: 'packages', progress: 40 });
    await expect.poll(() => page.textContent('#detail-log')).toContain('Setting up curl');
    await expect.poll(() => page.getAttribute('#detail-progress', 'value')).toBe('40');
    expect(await page.textContent('#detail-step')).toBe('packages');
    expect(await page.textContent('#detail-status')).toBe('IN_PROGRESS');
    expect(await row.locator('.status').textContent()).toBe('IN_PROGRESS');
    expect(await row.locator('td').nth(3).textContent()).toBe('40%');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('cancels a queued build from the list', async () => {
    const { buildId } = (await (
      await fetch(`${baseUrl}/api/build/start`, {
        method: 'POST',
        headers: { ...h.auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ ...VALID_SPEC, name: 'cancel-me' }),
      })
    ).json()) as { buildId: string };
    await page.click('#refresh');
    const row = page.locator(`#builds tbody tr[data-build-id="${buildId}"]`);
    await row.locator('button', { hasText: 'Cancel' }).click();
    await expect
      .poll(() => page.locator(`#builds tbody tr[data-build-id="${buildId}"] .status`).textContent())
      .toBe('CANCELLED');
    expect((await h.runtime.store.builds.get(h.tenantA, buildId))?.status).toBe('CANCELLED');
  });

  it('lists artifacts of a finished build and downloads one with the key', async () => {
    const content = Buffer.from('abc  image.tar\n');
    const build = await h.seedSucceededBuild({ checksums: { name: 'SHA256SUMS', content } });
    await page.click('#refresh');
    await page.locator(`#builds tbody tr[data-build-id="${build.id}"] button`, { hasText: 'Open' }).click();
    await expect.poll(() => page.textContent('#detail-status')).toBe('SUCCESS');
    expect(await page.textContent('#detail-log')).toContain('step two');
    const link = page.locator('#detail-artifacts a', { hasText: 'SHA256SUMS' });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('SHA256SUMS');
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(content.toString());
    // Only the answers the steps above asked for: 401 before the key, 400 for the invalid spec.
    expect(pageErrors.filter((e) => !/status of 40[01] /.test(e))).toEqual([]);
  });
});
