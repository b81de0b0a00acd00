/**
 * websocket-test.html resumes the request it shows after its connection comes back: the events
 * emitted while it was cut off (the whole rest of the request here) are shown, each once. Real
 * service, real headless Chromium, a TCP proxy to cut the network.
 */
import path from 'node:path';
import type { PipelineEvent } from '../../src/events/eventSchemas';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { createGatedEngine } from '../hardening/support/gatedEngine';
import { waitUntil } from '../hardening/support/waitUntil';
import { createTcpProxy } from '../support/browser/createTcpProxy';
import { useChromium } from '../support/browser/useChromium';
import { isWebSocketRefusal, pageText, waitForConnected } from '../support/browser/testPageActions';
import { watchPageProblems } from '../support/browser/watchPageProblems';
import { startTestService } from '../support/startTestService';

const PHOTO = path.resolve(__dirname, '../../ss.jpg');
const TEST_TIMEOUT_MS = 180_000;

describe('websocket-test.html resuming a request after a drop, in headless Chromium', () => {
  const browser = useChromium(TEST_TIMEOUT_MS);

  test(
    'shows every event of a request that went on while the page was cut off, each once, once it reconnects',
    async () => {
      // The analyses wait at the gate, so the drop surely happens mid-request.
      const gated = createGatedEngine(createLocalEngine());
      const service = await startTestService({}, { engine: gated });
      const published: PipelineEvent[] = [];
      service.bus.subscribe((event) => void published.push(event));
      const proxy = await createTcpProxy({ host: '127.0.0.1', port: service.wsPort });
      const page = await browser().newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${service.httpUrl}/?ws=${encodeURIComponent(`ws://127.0.0.1:${proxy.port}`)}`);
        const first = await waitForConnected(page);
        await page.setInputFiles('#file', PHOTO);
        await page.click('#upload');
        await page.locator('#events li[data-type="analysis_started"]').waitFor();
        const requestId = await pageText(page, '#stat-request');

        // Cut off while the request runs to its end.
        await proxy.stop();
        gated.open();
        await waitUntil(() => published.some((e) => e.requestId === requestId && e.type === 'processing_completed'), 'the request to end', 90_000);
        await proxy.start();
        await waitForConnected(page, first);

        await page.locator(`#events li[data-request-id="${requestId}"][data-type="processing_completed"]`).waitFor({ timeout: 90_000 });
        await page.locator('#progress[aria-valuenow="100"][data-state="done"]').waitFor();
        const shown = await page.locator(`#events li[data-request-id="${requestId}"]:not(.local)`).evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.type));
        expect(shown).toEqual(published.filter((e) => e.requestId === requestId).map((e) => e.type));
        // The HTTP answer, which came while the page was cut off, showed the images already.
        expect(await page.locator('#gallery figure[data-state="done"]').count()).toBe(4);
        expect(problems.all().filter((p) => !isWebSocketRefusal(p))).toEqual([]);
      } finally {
        gated.open();
        await page.close();
        await proxy.close();
        await service.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
