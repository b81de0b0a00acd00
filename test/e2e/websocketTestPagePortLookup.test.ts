/**
 * websocket-test.html, served by the service, asks /ws-health for the WebSocket port before
 * every reconnection, whatever starts it: the end of a back-off (websocketTestPageReconnect),
 * coming back online, the tab becoming visible again, or the Reconnect button. So a service
 * restarted on another WS_PORT costs no refused attempt. Real service, real headless Chromium.
 */
import type { Page } from 'playwright-core';
import { useChromium } from '../support/browser/useChromium';
import { waitForConnected } from '../support/browser/testPageActions';
import { watchPageProblems } from '../support/browser/watchPageProblems';
import { freePort } from '../support/freePort';
import { startTestService, type TestService } from '../support/startTestService';

const TEST_TIMEOUT_MS = 120_000;

const triggers: [string, (page: Page) => Promise<void>][] = [
  ['the browser comes back online', (page) => page.evaluate(() => void window.dispatchEvent(new Event('online')))],
  ['the tab becomes visible again', (page) => page.evaluate(() => void document.dispatchEvent(new Event('visibilitychange')))],
  ['the user presses Reconnect', (page) => page.click('#connect')],
];

describe('websocket-test.html port lookup on every reconnection, in headless Chromium', () => {
  const browser = useChromium(TEST_TIMEOUT_MS);

  test.each(triggers)(
    'when %s during a back-off, its first attempt goes to the port the restarted service reports',
    async (_name, trigger) => {
      let first: TestService | undefined = await startTestService();
      let second: TestService | undefined;
      const page = await browser().newPage();
      const problems = watchPageProblems(page);
      try {
        await page.clock.install();
        await page.goto(`${first.httpUrl}/`);
        const before = await waitForConnected(page);
        // The page's timers stand still from here: its back-off cannot end by itself, so the
        // next attempt is the one `trigger` starts.
        await page.clock.pauseAt(await page.evaluate(() => Date.now() + 1000));

        const env = { HTTP_PORT: String(first.httpPort), WS_PORT: String(await freePort()) };
        expect(env.WS_PORT).not.toBe(String(first.wsPort));
        await first.close();
        first = undefined;
        await page.locator('#status[data-state="reconnecting"]').waitFor({ timeout: 30_000 });
        second = await startTestService(env);

        const attempt = page.waitForEvent('websocket', { timeout: 30_000 });
        await trigger(page);
        expect((await attempt).url()).toBe(`ws://127.0.0.1:${second.wsPort}/`);
        await waitForConnected(page, before);
        expect(await page.inputValue('#ws-url')).toBe(`ws://127.0.0.1:${second.wsPort}`);
        // No refused handshake, no failed /ws-health: nothing was tried while the service was down.
        expect(problems.all()).toEqual([]);
      } finally {
        await page.close();
        await first?.close();
        await second?.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
