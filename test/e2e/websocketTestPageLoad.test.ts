/**
 * websocket-test.html left open on a busy server: every client's events are broadcast to it,
 * so the event log must stay cheap per event and bounded in size. Real service, real headless
 * Chromium; the events are published on the service's own bus, as its pipelines do.
 */
import type { CDPSession, Page } from 'playwright-core';
import { launchChromium, type ChromiumSession } from '../support/browser/launchChromium';
import { waitForConnected } from '../support/browser/testPageActions';
import { watchPageProblems } from '../support/browser/watchPageProblems';
import { startTestService, type TestService } from '../support/startTestService';

const TEST_TIMEOUT_MS = 180_000;
const MAX_LOG_ENTRIES = 500;

/** Publishes `count` analysis_started events of other clients' requests (made-up ids). */
function publishForeignEvents(service: TestService, count: number, first: number): void {
  for (let i = first; i < first + count; i += 1) {
    service.bus.publish({
      type: 'analysis_started',
      requestId: `req_1796227726437_${i.toString(36).padStart(9, '0')}`,
      message: 'AI analysis started: camera settings and photo critique',
      timestamp: new Date().toISOString(),
    });
  }
}

/** Waits until the page has counted `total` received messages. */
async function waitForEventCount(page: Page, total: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.querySelector('#stat-events')?.textContent?.replace(/\D/g, '')) >= n, total, {
    timeout: 90_000,
  });
}

/** Chromium's count of layouts done for this page so far. */
async function layoutCount(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'LayoutCount')?.value ?? 0;
}

describe('websocket-test.html under a busy server, in headless Chromium', () => {
  let browser: ChromiumSession;
  let service: TestService;

  beforeAll(async () => {
    browser = await launchChromium();
    service = await startTestService();
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  test(
    'a burst of broadcast events costs a handful of layouts, not one per event; the log stays at 500 entries and follows the newest',
    async () => {
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Performance.enable');
      try {
        await page.goto(`${service.httpUrl}/`);
        await waitForConnected(page);
        // Fill the log to its cap first: the per-event cost used to grow with its length.
        publishForeignEvents(service, MAX_LOG_ENTRIES, 0);
        await waitForEventCount(page, 1 + MAX_LOG_ENTRIES);

        const burst = 300;
        const before = await layoutCount(cdp);
        publishForeignEvents(service, burst, MAX_LOG_ENTRIES);
        await waitForEventCount(page, 1 + MAX_LOG_ENTRIES + burst);
        // One layout per animation frame at most; measuring the list on every event cost two each.
        expect((await layoutCount(cdp)) - before).toBeLessThan(burst / 3);

        expect(await page.locator('#events li').count()).toBe(MAX_LOG_ENTRIES);
        const lastId = `req_1796227726437_${(MAX_LOG_ENTRIES + burst - 1).toString(36).padStart(9, '0')}`;
        expect(await page.getAttribute('#events li:last-child', 'data-request-id')).toBe(lastId);
        // Auto-scroll still shows the newest entry once the frame has been drawn.
        await page.waitForFunction(() => {
          const list = document.querySelector('#events') as HTMLElement;
          return list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        });

        // Scrolled up by the user: later events of other requests leave the view where it is.
        await page.$eval('#events', (list) => (list.scrollTop = 0));
        await page.waitForFunction(() => (document.querySelector('#events') as HTMLElement).scrollTop === 0);
        publishForeignEvents(service, 20, MAX_LOG_ENTRIES + burst);
        await waitForEventCount(page, 1 + MAX_LOG_ENTRIES + burst + 20);
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        expect(await page.$eval('#events', (list) => list.scrollTop)).toBe(0);

        expect(problems.all()).toEqual([]);
      } finally {
        await cdp.detach();
        await page.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
