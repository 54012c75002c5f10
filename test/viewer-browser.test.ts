/**
 * The viewer in headless Chromium: the alert list shows every alert, each alert page loads its evidence
 * images, and a screenshot is saved to test-artifacts/viewer.png.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAlerts, type AlertSummary } from '../src/store/read-queries.ts';
import { startServer, type RunningServer } from '../src/server/server.ts';
import { demoViewerFixture, type ViewerFixture } from './helpers/viewer-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(`viewer browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(!haveChromium)('viewer in headless Chromium', () => {
  let fixture: ViewerFixture;
  let server: RunningServer;
  let context: BrowserContext;
  let userDataDir: string;
  let alerts: AlertSummary[];

  beforeAll(async () => {
    // The viewer after a real demo run (a small series, so the suite stays fast).
    fixture = await demoViewerFixture();
    const output = (fixture as { demoOutput?: string }).demoOutput ?? '';
    // The demo found both events, and nothing on cloudy or season-only dates.
    const line = /^demo: precision (\d\.\d\d) recall (\d\.\d\d) report /m.exec(output);
    expect(line, output).not.toBeNull();
    expect(Number(line![1])).toBeGreaterThanOrEqual(0.9);
    expect(Number(line![2])).toBeGreaterThanOrEqual(0.9);
    expect(output).toMatch(/or season-only dates: 0$/m);
    alerts = await fixture.db.readOnly((q) => listAlerts(q));
    expect(alerts.map((a) => a.kind).sort()).toEqual(['burn', 'flood']);
    server = await startServer(fixture.db, { port: 0, host: '127.0.0.1', evidence: fixture.evidence });
    userDataDir = mkdtempSync(join(tmpdir(), 'driftwatch-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
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
      viewport: { width: 1280, height: 900 },
    });
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await fixture?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('lists every alert in the database, most recently seen first', async () => {
    if (fixture.expectedAlertCount !== undefined) expect(alerts).toHaveLength(fixture.expectedAlertCount);
    const page = await context.newPage();
    const response = await page.goto(new URL('alerts', server.url).toString());
    expect(response?.status()).toBe(200);
    const ids = await page
      .locator('.alert-row')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-alert-id'))));
    expect(ids).toEqual(alerts.map((a) => a.id));
    await expect(page.locator('#alert-count').textContent()).resolves.toBe(`${alerts.length} alerts`);
    await page.close();
  });

  it('opens each alert from the list and loads every evidence image', async () => {
    const page = await context.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    for (const alert of alerts) {
      await page.goto(new URL('alerts', server.url).toString());
      await Promise.all([
        page.waitForURL(`**/alerts/${alert.id}`),
        page.click(`.alert-row[data-alert-id="${alert.id}"]`),
      ]);
      await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
      const images = await page
        .locator('img')
        .evaluateAll((imgs) =>
          (imgs as HTMLImageElement[]).map((img) => ({ kind: img.dataset.kind, width: img.naturalWidth })),
        );
      expect(images.map((i) => i.kind)).toEqual(['before', 'after', 'heatmap']);
      for (const img of images) expect(img.width, `${img.kind} tile of alert ${alert.id}`).toBeGreaterThan(0);
      // The chart shows the history of the alert's strongest chip.
      await expect(page.locator('svg.drift-chart').count()).resolves.toBe(1);
    }
    expect(failed).toEqual([]);

    const flood = alerts.find((a) => a.kind === 'flood') ?? alerts[0]!;
    await page.goto(new URL(`alerts/${flood.id}`, server.url).toString());
    await page.waitForFunction(() =>
      Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0),
    );
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: join('test-artifacts', 'viewer.png'), fullPage: true });
    expect(existsSync(join('test-artifacts', 'viewer.png'))).toBe(true);
    await page.close();
  });
});
