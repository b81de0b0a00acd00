/**
 * websocket-test.html keeps its event stream: reconnection with back-off after a dropped
 * connection, a server outage and a full service restart, and the token handshake. Real
 * service, real headless Chromium, a TCP proxy to cut the network.
 */
import path from 'node:path';
import { createTcpProxy, type TcpProxy } from '../support/browser/createTcpProxy';
import { launchChromium, type ChromiumSession } from '../support/browser/launchChromium';
import { isWebSocketRefusal, isWsHealthRefusal, pageText, uploadAndWaitForCompletion, waitForConnected } from '../support/browser/testPageActions';
import { watchPageProblems } from '../support/browser/watchPageProblems';
import { freePort } from '../support/freePort';
import { startTestService, type TestService } from '../support/startTestService';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import { createGatedEngine } from '../hardening/support/gatedEngine';

const PHOTO = path.resolve(__dirname, '../../ss.jpg');
const TEST_TIMEOUT_MS = 180_000;

describe('websocket-test.html reconnection in headless Chromium', () => {
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
    'reconnects with back-off after its connection is dropped and while the server is unreachable, then works again',
    async () => {
      const proxy = await createTcpProxy({ host: '127.0.0.1', port: service.wsPort });
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      try {
        const wsUrl = `ws://127.0.0.1:${proxy.port}`;
        await page.goto(`${service.httpUrl}/?ws=${encodeURIComponent(wsUrl)}&api=${encodeURIComponent(service.httpUrl)}`);
        const first = await waitForConnected(page);

        // A network drop (no close frame): the page notices and reconnects by itself.
        proxy.dropConnections();
        const second = await waitForConnected(page, first);
        expect(second).not.toBe(first);
        expect(await page.locator('#events li.local', { hasText: 'Connection lost' }).count()).toBe(1);

        // The server unreachable for a while: repeated attempts with growing delays.
        await proxy.stop();
        await page.waitForFunction(() => /attempt 3\b/.test(document.querySelector('#status')?.textContent ?? ''), undefined, { timeout: 30_000 });
        await proxy.start();
        const third = await waitForConnected(page, second);
        expect(third).not.toBe(second);

        // And the new connection carries a full request.
        await uploadAndWaitForCompletion(page, PHOTO);
        expect(await page.locator('#gallery figure[data-source="event"]').count()).toBe(4);
        expect(problems.all().filter((p) => !isWebSocketRefusal(p))).toEqual([]);
      } finally {
        await page.close();
        await proxy.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'with WS_DELIVERY=subscribed, a connection dropped mid-request subscribes again, so the rest of its events and images still arrive live',
    async () => {
      // The analyses wait at the gate, so the drop surely happens mid-request.
      const gated = createGatedEngine(createLocalEngine());
      const subscribed = await startTestService({ WS_DELIVERY: 'subscribed' }, { engine: gated });
      const proxy = await createTcpProxy({ host: '127.0.0.1', port: subscribed.wsPort });
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${subscribed.httpUrl}/?ws=${encodeURIComponent(`ws://127.0.0.1:${proxy.port}`)}`);
        const first = await waitForConnected(page);
        await page.setInputFiles('#file', PHOTO);
        await page.click('#upload');
        await page.locator('#events li[data-type="analysis_started"]').waitFor();
        const requestId = await pageText(page, '#stat-request');

        proxy.dropConnections();
        await waitForConnected(page, first);
        await page.locator('#events li.local', { hasText: `Following request ${requestId} again` }).waitFor();
        gated.open();

        await page.locator('#progress[aria-valuenow="100"][data-state="done"]').waitFor({ timeout: 90_000 });
        expect(await page.locator(`#events li[data-request-id="${requestId}"][data-type="individual_image_completed"]`).count()).toBe(4);
        expect(await page.locator(`#events li[data-request-id="${requestId}"][data-type="processing_completed"]`).count()).toBe(1);
        expect(await page.locator('#gallery figure[data-state="done"][data-source="event"]').count()).toBe(4);
        expect(problems.all()).toEqual([]);
      } finally {
        gated.open();
        await page.close();
        await proxy.close();
        await subscribed.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'stops retrying on 1008 Unauthorized and connects once the token is given',
    async () => {
      const guarded = await startTestService({ WS_AUTH_TOKEN: 'let-me-in' });
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${guarded.httpUrl}/`);
        await page.locator('#status[data-state="error"]').waitFor({ timeout: 30_000 });
        expect(await pageText(page, '#status')).toBe('Unauthorized — check the token');
        expect(await page.locator('#events li.kind-error', { hasText: '1008' }).count()).toBe(1);

        await page.fill('#ws-token', 'let-me-in');
        await page.click('#connect');
        await waitForConnected(page);
        expect(problems.all()).toEqual([]);
      } finally {
        await page.close();
        await guarded.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'says the origin, not the token, is refused when WS_ALLOWED_ORIGINS leaves the page out',
    async () => {
      const guarded = await startTestService({ WS_ALLOWED_ORIGINS: 'https://app.example' });
      const page = await browser.newPage();
      try {
        await page.goto(`${guarded.httpUrl}/`);
        await page.locator('#status[data-state="error"]').waitFor({ timeout: 30_000 });
        expect(await pageText(page, '#status')).toBe('Origin not allowed — see WS_ALLOWED_ORIGINS');
        const origin = new URL(guarded.httpUrl).origin;
        expect(await page.locator('#events li.kind-error', { hasText: `add ${origin} to the server's WS_ALLOWED_ORIGINS` }).count()).toBe(1);
      } finally {
        await page.close();
        await guarded.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'reconnects after the whole service restarts on the same ports',
    async () => {
      let first: TestService | undefined = await startTestService();
      let second: TestService | undefined;
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${first.httpUrl}/`);
        const before = await waitForConnected(page);

        // Its own data folder: the first one is removed when the first service closes.
        const ports = { HTTP_PORT: String(first.httpPort), WS_PORT: String(first.wsPort) };
        await first.close();
        first = undefined;
        await page.waitForFunction(() => document.querySelector<HTMLElement>('#status')?.dataset.state === 'reconnecting', undefined, {
          timeout: 30_000,
        });
        second = await startTestService(ports);
        const after = await waitForConnected(page, before);
        expect(after).not.toBe(before);
        expect(second.eventServer.stats().connections).toBe(1);
        expect(problems.all().filter((p) => !isWebSocketRefusal(p) && !isWsHealthRefusal(p))).toEqual([]);
      } finally {
        await page.close();
        await first?.close();
        await second?.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'shows the error another instance answers to its subscribe as a log entry, and does not count it as an event',
    async () => {
      // The analyses wait at the gate, so the request is still running when the stream moves.
      const gated = createGatedEngine(createLocalEngine());
      const first = await startTestService({}, { engine: gated });
      const other = await startTestService();
      const toFirst = await createTcpProxy({ host: '127.0.0.1', port: first.wsPort });
      let toOther: TcpProxy | undefined;
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${first.httpUrl}/?ws=${encodeURIComponent(`ws://127.0.0.1:${toFirst.port}`)}`);
        const before = await waitForConnected(page);
        await page.setInputFiles('#file', PHOTO);
        await page.click('#upload');
        await page.locator('#events li[data-type="analysis_started"]').waitFor();
        const requestId = await pageText(page, '#stat-request');

        // The stream reconnects to another instance (as behind a load balancer), which does not
        // know the request: it answers the page's subscribe with an `error` control reply.
        const port = toFirst.port;
        await toFirst.stop();
        toOther = await createTcpProxy({ host: '127.0.0.1', port: other.wsPort }, port);
        await waitForConnected(page, before);
        const reply = page.locator('#events li[data-type="error"]', { hasText: `No request ${requestId} is known` });
        await reply.waitFor();

        // Counted: the server's events (pipeline events and connection_established), not the reply.
        const events = await page.locator('#events li:not(.local)').evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.type));
        expect(events).not.toContain('error');
        expect(Number(await pageText(page, '#stat-events'))).toBe(events.length);
        // Shown: a red entry of the page's own, with the reply's message.
        expect(await reply.evaluate((item) => item.className)).toMatch(/\bkind-error\b.*\blocal\b/);
        expect(problems.all().filter((p) => !isWebSocketRefusal(p))).toEqual([]);
      } finally {
        gated.open();
        await page.close();
        await toFirst.close();
        await toOther?.close();
        await first.close();
        await other.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'served by the service, asks /ws-health again before reconnecting, so it finds the service restarted on another WebSocket port',
    async () => {
      let first: TestService | undefined = await startTestService();
      let second: TestService | undefined;
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${first.httpUrl}/`);
        const before = await waitForConnected(page);
        expect(await page.inputValue('#ws-url')).toBe(`ws://127.0.0.1:${first.wsPort}`);

        // The same HTTP port, another WebSocket port.
        const ports = { http: first.httpPort, ws: first.wsPort };
        const env = { HTTP_PORT: String(ports.http), WS_PORT: String(await freePort()) };
        expect(env.WS_PORT).not.toBe(String(ports.ws));
        await first.close();
        first = undefined;
        // One attempt has failed while nothing listened (its /ws-health too): the last known port was kept.
        await page.waitForFunction(() => /attempt 2\b/.test(document.querySelector('#status')?.textContent ?? ''), undefined, { timeout: 30_000 });
        expect(await page.inputValue('#ws-url')).toBe(`ws://127.0.0.1:${ports.ws}`);
        second = await startTestService(env);
        const after = await waitForConnected(page, before);
        expect(after).not.toBe(before);
        expect(await page.inputValue('#ws-url')).toBe(`ws://127.0.0.1:${second.wsPort}`);
        expect(second.eventServer.stats().connections).toBe(1);
        expect(problems.all().filter((p) => !isWebSocketRefusal(p) && !isWsHealthRefusal(p))).toEqual([]);
      } finally {
        await page.close();
        await first?.close();
        await second?.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
