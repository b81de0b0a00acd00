/**
 * websocket-test.html, end to end: the real service (local engine, with its embedded store) on
 * ephemeral ports, the page in real headless Chromium, and a real `ws` client listening
 * alongside as the witness of what the server sent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, type ChromiumSession } from '../support/browser/launchChromium';
import { pageText, PIPELINE_WAIT_MS, uploadAndWaitForCompletion, waitForConnected } from '../support/browser/testPageActions';
import { watchPageProblems } from '../support/browser/watchPageProblems';
import { createWsClient, type ReceivedMessage } from '../support/createWsClient';
import { startTestService, type TestService } from '../support/startTestService';
import { createLogger } from '../../src/logging/createLogger';
import { createRequestStore, type RequestStoreHandle } from '../../src/store/createRequestStore';

const ROOT = path.resolve(__dirname, '../..');
const PHOTO = path.join(ROOT, 'ss.jpg');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const TEST_TIMEOUT_MS = 180_000;

/** One request's events, as the witness client saw them. */
function eventsOf(messages: ReceivedMessage[], requestId: unknown): ReceivedMessage[] {
  return messages.filter((m) => m.requestId === requestId);
}

/** Uploads ss.jpg from Node, like any other client (no connection id). */
async function postPhoto(httpUrl: string): Promise<{ requestId: string }> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(fs.readFileSync(PHOTO))], { type: 'image/jpeg' }), 'ss.jpg');
  const response = await fetch(`${httpUrl}/process-image`, { method: 'POST', body: form });
  const body = (await response.json()) as { requestId: string; success: boolean };
  expect(response.status).toBe(200);
  return body;
}

describe('websocket-test.html in headless Chromium', () => {
  let browser: ChromiumSession;
  let service: TestService;
  let storage: RequestStoreHandle;
  let dataDir: string;

  beforeAll(async () => {
    browser = await launchChromium();
    // With its store (the embedded CouchDB), so /db-health is real too.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-e2e-'));
    storage = await createRequestStore({ dataDir, logger: createLogger({ level: 'silent' }) });
    service = await startTestService({ DATA_DIR: dataDir }, { store: storage.store });
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await storage?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test(
    'served at /, it finds the event server, follows an upload to 100 %, counts every event, shows four images, the settings, the analysis and health, with no console errors',
    async () => {
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      const witness = await createWsClient(service.wsUrl);
      try {
        // No query parameters: the page must work out both addresses itself when served.
        await page.goto(`${service.httpUrl}/`);
        const pageConnectionId = await waitForConnected(page);
        expect(await page.inputValue('#ws-url')).toBe(service.wsUrl);
        expect(await page.inputValue('#api-url')).toBe(service.httpUrl);

        await uploadAndWaitForCompletion(page, PHOTO);

        const started = await witness.waitFor((m) => m.type === 'processing_started' && m.connectionId === pageConnectionId);
        const requestId = started.requestId as string;
        const completed = await witness.waitFor((m) => m.type === 'processing_completed' && m.requestId === requestId);
        const seen = eventsOf(witness.messages, requestId);

        // The page listed exactly the events the witness received for this request, in order.
        const listed = await page.$$eval(`#events li.event[data-request-id="${requestId}"]`, (items) =>
          items.map((item) => (item as HTMLElement).dataset.type),
        );
        expect(listed).toEqual(seen.map((m) => m.type));
        expect(await page.locator(`#events li.event.foreign[data-request-id="${requestId}"]`).count()).toBe(0);
        // Colour by kind (started, complete, connection: three different colours), each with its time.
        const kinds = await page.$$eval('#events li.event:not(.local)', (items) =>
          items.map((item) => ({ kind: item.className.match(/kind-(\w+)/)?.[1], colour: getComputedStyle(item).borderLeftColor, time: item.querySelector('time')?.textContent })),
        );
        const colourOf = (kind: string) => new Set(kinds.filter((k) => k.kind === kind).map((k) => k.colour));
        for (const kind of ['started', 'complete', 'connection']) expect(colourOf(kind).size).toBe(1);
        expect(new Set(['started', 'complete', 'connection'].map((kind) => [...colourOf(kind)][0])).size).toBe(3);
        for (const { time } of kinds) expect(time).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3}$/);

        // Events received = its own connection_established + this request's events, and
        // every received event is in the log.
        const counter = Number(await pageText(page, '#stat-events'));
        expect(counter).toBe(1 + seen.length);
        expect(await page.locator('#events li.event:not(.local)').count()).toBe(counter);

        expect(await pageText(page, '#stat-request')).toBe(requestId);
        expect(await page.getAttribute('#stat-time', 'data-ms')).toBe(completed.totalTime);
        expect(await pageText(page, '#stat-images')).toBe('4 / 4');
        expect(await pageText(page, '#progress-text')).toBe('100 %');

        // Four images, each from its own individual_image_completed event, decoded by the browser.
        await page.waitForFunction(
          () => {
            const images = Array.from(document.querySelectorAll<HTMLImageElement>('#gallery img'));
            return images.length === 4 && images.every((img) => img.complete && img.naturalWidth > 0);
          },
          undefined,
          { timeout: 30_000 },
        );
        const cards = await page.$$eval('#gallery figure', (figures) =>
          figures.map((figure) => {
            const img = figure.querySelector('img') as HTMLImageElement;
            return {
              index: Number((figure as HTMLElement).dataset.index),
              state: (figure as HTMLElement).dataset.state,
              source: (figure as HTMLElement).dataset.source,
              width: img.naturalWidth,
              height: img.naturalHeight,
              title: figure.querySelector('.title')?.textContent,
            };
          }),
        );
        const imageEvents = seen.filter((m) => m.type === 'individual_image_completed');
        expect(imageEvents).toHaveLength(4);
        expect(cards).toEqual(
          [1, 2, 3, 4].map((index) => {
            const event = imageEvents.find((m) => m.imageIndex === index)!;
            return {
              index,
              state: 'done',
              source: 'event',
              width: event.width ?? expect.any(Number),
              height: event.height ?? expect.any(Number),
              title: event.title,
            };
          }),
        );
        for (const card of cards) expect(card.width).toBeGreaterThan(0);

        // Settings and analysis, as the events carried them.
        const settings = (seen.find((m) => m.type === 'content_analysis_complete')!.settings ?? {}) as Record<string, string>;
        const settingsText = await pageText(page, '#settings');
        for (const key of ['aperture', 'shutter_speed', 'iso', 'white_balance', 'exposure_compensation', 'reason']) {
          expect(settingsText).toContain(settings[key]);
        }
        const analysis = seen.find((m) => m.type === 'photo_analysis_complete')!.analysis as {
          summary: string;
          scores: Record<string, number>;
          suggestions: Array<{ title: string }>;
        };
        expect(await pageText(page, '#analysis-summary')).toBe(analysis.summary);
        expect(await page.locator('#scores .score').count()).toBe(Object.keys(analysis.scores).length);
        expect(await page.$$eval('#suggestions > li > strong', (els) => els.map((el) => el.textContent))).toEqual(
          analysis.suggestions.map((s) => s.title),
        );

        // Lightbox: opens with the full image and a download link; Escape closes it.
        await page.click('#gallery figure[data-index="1"] .thumb');
        await page.locator('#lightbox[open]').waitFor();
        expect(await page.getAttribute('#lb-download', 'href')).toMatch(/^data:image\/[a-z]+;base64,/);
        expect(await page.getAttribute('#lb-download', 'download')).toMatch(new RegExp(`^snatchshot-${requestId}-1-[a-z0-9-]+\\.(jpg|png|webp)$`));
        expect(await page.$eval('#lb-img', (img) => (img as HTMLImageElement).naturalWidth)).toBe(cards[0].width);
        await page.keyboard.press('Escape');
        await page.locator('#lightbox:not([open])').waitFor({ state: 'attached' });

        // Health: all three endpoints answered and are shown.
        await page.click('#health');
        await page.locator('#health-results article[data-path="/db-health"]').waitFor();
        const health = await page.$$eval('#health-results article', (articles) =>
          articles.map((a) => ({ path: (a as HTMLElement).dataset.path, pill: a.querySelector('.pill')?.textContent ?? '' })),
        );
        expect(health.map((h) => h.path)).toEqual(['/health', '/ws-health', '/db-health']);
        expect(health[0].pill).toMatch(/^ok · HTTP 200$/);
        expect(health[1].pill).toMatch(/^ok · HTTP 200$/);
        expect(health[2].pill).toMatch(/^ok · HTTP 200$/);
        expect(await pageText(page, '#health-results article[data-path="/db-health"]')).toContain('embedded');
        expect(await pageText(page, '#health-results article[data-path="/ws-health"]')).toContain(String(service.wsPort));

        fs.mkdirSync(ARTIFACTS, { recursive: true });
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: path.join(ARTIFACTS, 'websocket-test.png'), fullPage: true });
        await page.setViewportSize({ width: 1280, height: 1180 });
        await page.screenshot({ path: path.join(ARTIFACTS, 'websocket-test-top.png') });

        expect(problems.all()).toEqual([]);
      } finally {
        await witness.close();
        await page.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'opened from disk, it defaults to localhost:4000/4001 and works against the service once its fields point there',
    async () => {
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      try {
        // autoconnect=0: nothing listens on localhost:4001 here, and a refused handshake is a console error.
        await page.goto(`${pathToFileURL(path.join(ROOT, 'websocket-test.html')).href}?autoconnect=0`);
        expect(await page.inputValue('#ws-url')).toBe('ws://localhost:4001');
        expect(await page.inputValue('#api-url')).toBe('http://localhost:4000');
        expect(await page.getAttribute('#status', 'data-state')).toBe('disconnected');

        await page.fill('#ws-url', service.wsUrl);
        await page.fill('#api-url', service.httpUrl);
        await page.click('#connect');
        await waitForConnected(page);
        // Cross-origin from a file: page (Origin "null"): the API's CORS must allow the upload.
        await uploadAndWaitForCompletion(page, PHOTO);
        expect(await page.locator('#gallery figure[data-source="event"] img').count()).toBe(4);

        await page.click('#disconnect');
        await page.locator('#status[data-state="disconnected"]').waitFor();
        expect(problems.all()).toEqual([]);
      } finally {
        await page.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "lists another client's request dimmed without touching its own progress, and follows it when asked",
    async () => {
      const page = await browser.newPage();
      const problems = watchPageProblems(page);
      const witness = await createWsClient(service.wsUrl);
      try {
        await page.goto(`${service.httpUrl}/?ws=${encodeURIComponent(service.wsUrl)}&api=${encodeURIComponent(service.httpUrl)}`);
        await waitForConnected(page);
        await uploadAndWaitForCompletion(page, PHOTO);
        const ownRequest = await pageText(page, '#stat-request');

        // Another client uploads (no X-Connection-Id): listed, dimmed, progress untouched.
        const otherTerminal = witness.waitFor((m) => m.type === 'processing_completed' && m.requestId !== ownRequest, PIPELINE_WAIT_MS);
        const other = await postPhoto(service.httpUrl);
        await otherTerminal;
        const otherSelector = `#events li.event[data-request-id="${other.requestId}"]`;
        await page.locator(`${otherSelector}[data-type="processing_completed"]`).waitFor();
        const otherCount = eventsOf(witness.messages, other.requestId).length;
        expect(await page.locator(`${otherSelector}.foreign`).count()).toBe(otherCount);
        expect(await pageText(page, '#stat-request')).toBe(ownRequest);
        expect(await page.getAttribute('#progress', 'aria-valuenow')).toBe('100');

        // With "follow" on, the next request started elsewhere drives the page.
        await page.check('#follow-others');
        const followed = await postPhoto(service.httpUrl);
        await page.locator(`#events li.event[data-request-id="${followed.requestId}"][data-type="processing_completed"]`).waitFor();
        expect(await pageText(page, '#stat-request')).toBe(followed.requestId);
        expect(await page.getAttribute('#progress', 'data-state')).toBe('done');
        expect(await page.locator(`#events li.event.foreign[data-request-id="${followed.requestId}"]`).count()).toBe(0);
        expect(await page.locator('#gallery figure[data-state="done"]').count()).toBe(4);

        expect(problems.all()).toEqual([]);
      } finally {
        await witness.close();
        await page.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
