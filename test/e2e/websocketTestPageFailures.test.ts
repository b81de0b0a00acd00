/**
 * websocket-test.html when things go wrong or get hostile: event text carrying HTML, a busy
 * server, an upload while another runs, no event stream at all, a page opened from disk
 * meeting an error answer, an upload that is not an image, and a failed image. Real service,
 * real headless Chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { useChromium } from '../support/browser/useChromium';
import { pageText, PIPELINE_WAIT_MS, uploadAndWaitForCompletion, waitForConnected } from '../support/browser/testPageActions';
import { watchPageProblems } from '../support/browser/watchPageProblems';
import { localEngineWith } from '../support/localEngineWith';
import { startTestService } from '../support/startTestService';
import { createGatedEngine } from '../hardening/support/gatedEngine';
import { createLocalEngine } from '../../src/engine/local/createLocalEngine';
import type { ImageEngine } from '../../src/engine/ImageEngine';
import { EngineError } from '../../src/errors/EngineError';

const ROOT = path.resolve(__dirname, '../..');
const PHOTO = path.join(ROOT, 'ss.jpg');
const PAGE_FILE = pathToFileURL(path.join(ROOT, 'websocket-test.html')).href;
const TEST_TIMEOUT_MS = 180_000;
/** Markup that would run script if any of it were parsed as HTML. */
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

/** Chromium's note about a non-2xx answer to fetch is the only console error these tests expect. */
const isStatusNote = (status: number) => (problem: string) => problem.includes(`status of ${status}`);

/** Posts ss.jpg from Node, as another client would. */
function postPhoto(httpUrl: string): Promise<Response> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(fs.readFileSync(PHOTO))], { type: 'image/jpeg' }), 'ss.jpg');
  return fetch(`${httpUrl}/process-image`, { method: 'POST', body: form });
}

describe('websocket-test.html failures and hostile content, in headless Chromium', () => {
  const browser = useChromium(TEST_TIMEOUT_MS);

  test(
    'shows HTML in titles, the summary, settings and image errors as text: no element is made from it and no script runs',
    async () => {
      // The real local engine, with every text it returns replaced by markup (as a model could).
      const local = createLocalEngine();
      const engine: ImageEngine = {
        name: local.name,
        recommendSettings: async (photo, options) => ({ ...(await local.recommendSettings(photo, options)), aperture: HOSTILE, reason: HOSTILE }),
        analyzePhoto: async (photo, count, options) => {
          const analysis = await local.analyzePhoto(photo, count, options);
          return {
            ...analysis,
            summary: HOSTILE,
            strengths: [HOSTILE],
            suggestions: analysis.suggestions.map((s) => ({ ...s, title: HOSTILE.slice(0, 120), description: HOSTILE })),
          };
        },
        generateImage: (photo, suggestion, options) =>
          options?.index === 2 ? Promise.reject(new EngineError(HOSTILE)) : local.generateImage(photo, suggestion, options),
        close: () => local.close(),
      };
      const hostile = await startTestService({}, { engine });
      const page = await browser().newPage();
      const problems = watchPageProblems(page);
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      try {
        await page.goto(`${hostile.httpUrl}/`);
        await waitForConnected(page);
        await uploadAndWaitForCompletion(page, PHOTO);

        expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
        expect(dialogs).toEqual([]);
        expect(await page.locator('img[src="x"], main script, #events script').count()).toBe(0);
        // The markup is there, as text, wherever the page shows it.
        const title = HOSTILE.slice(0, 120);
        expect(await pageText(page, '#gallery figure[data-index="1"] .title')).toBe(title);
        expect(await pageText(page, '#gallery figure[data-index="2"] .placeholder')).toContain(HOSTILE);
        expect(await pageText(page, '#analysis-summary')).toBe(HOSTILE);
        expect(await pageText(page, '#settings')).toContain(HOSTILE);
        expect(await pageText(page, '#events li[data-type="individual_image_error"] .msg')).toContain(HOSTILE);
        expect(problems.all()).toEqual([]);
      } finally {
        await page.close();
        await hostile.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'offers no second upload while its own runs, even after another photo is picked',
    async () => {
      const gated = createGatedEngine(createLocalEngine());
      const service = await startTestService({}, { engine: gated });
      const page = await browser().newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${service.httpUrl}/`);
        await waitForConnected(page);
        await page.setInputFiles('#file', PHOTO);
        await page.click('#upload');
        await gated.waitForEntered(2);
        expect(await page.isDisabled('#upload')).toBe(true);
        await page.setInputFiles('#file', PHOTO);
        expect(await page.isDisabled('#upload')).toBe(true);
        gated.open();
        await page.locator('#progress[aria-valuenow="100"][data-state="done"]').waitFor({ timeout: PIPELINE_WAIT_MS });
        // Offered again once the HTTP answer is in, which may land just after the last event.
        await page.locator('#upload:not([disabled])').waitFor({ timeout: 10_000 });
        expect(problems.all()).toEqual([]);
      } finally {
        gated.open();
        await page.close();
        await service.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'shows 503 BUSY with its message when another client holds the only slot, and lets the user try again',
    async () => {
      const gated = createGatedEngine(createLocalEngine());
      const full = await startTestService({ MAX_CONCURRENT_REQUESTS: '1', MAX_QUEUED_REQUESTS: '0' }, { engine: gated });
      const page = await browser().newPage();
      const problems = watchPageProblems(page);
      let other: Promise<Response> | undefined;
      try {
        await page.goto(`${full.httpUrl}/`);
        await waitForConnected(page);
        other = postPhoto(full.httpUrl);
        await gated.waitForEntered(2);
        await page.setInputFiles('#file', PHOTO);
        await page.click('#upload');
        await page.locator('#progress[data-state="error"]').waitFor({ timeout: PIPELINE_WAIT_MS });
        expect(await pageText(page, '#progress-label')).toMatch(/^HTTP 503 BUSY: .+/);
        expect(await page.isDisabled('#upload')).toBe(false);
        expect(problems.all().filter((p) => !isStatusNote(503)(p))).toEqual([]);
      } finally {
        gated.open();
        await other;
        await page.close();
        await full.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'without an event stream, an upload still completes, its images taken from the HTTP response',
    async () => {
      const service = await startTestService();
      const page = await browser().newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${service.httpUrl}/?autoconnect=0`);
        expect(await page.getAttribute('#status', 'data-state')).toBe('disconnected');
        await uploadAndWaitForCompletion(page, PHOTO);
        expect(await page.locator('#gallery figure[data-state="done"][data-source="response"] img').count()).toBe(4);
        expect(await pageText(page, '#stat-images')).toBe('4 / 4');
        expect(await pageText(page, '#stat-request')).toMatch(/^req_\d+_[a-z0-9]{9}$/);
        expect(problems.all()).toEqual([]);
      } finally {
        await page.close();
        await service.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'opened from disk, the health check and an error answer (422 INVALID_IMAGE) reach the page across origins',
    async () => {
      const service = await startTestService();
      const page = await browser().newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${PAGE_FILE}?ws=${encodeURIComponent(service.wsUrl)}&api=${encodeURIComponent(service.httpUrl)}`);
        await waitForConnected(page);
        await page.click('#health');
        await page.locator('#health-results article[data-path="/db-health"]').waitFor();
        expect(await page.$$eval('#health-results .pill', (pills) => pills.map((p) => p.textContent))).toEqual([
          'ok · HTTP 200',
          'ok · HTTP 200',
          'ok · HTTP 200',
        ]);

        // A JPEG cut short: decoding fails, and the page can read the JSON error across origins.
        await page.setInputFiles('#file', { name: 'cut.jpg', mimeType: 'image/jpeg', buffer: fs.readFileSync(PHOTO).subarray(0, 2000) });
        await page.click('#upload');
        await page.locator('#progress[data-state="error"]').waitFor({ timeout: PIPELINE_WAIT_MS });
        await page.waitForFunction(() => /HTTP 422 INVALID_IMAGE/.test(document.querySelector('#progress-label')?.textContent ?? ''));
        expect(await pageText(page, '#progress-label')).toMatch(/^Failed at validation stage: .+ \(HTTP 422 INVALID_IMAGE\)$/);
        expect(problems.all().filter((p) => !isStatusNote(422)(p))).toEqual([]);
      } finally {
        await page.close();
        await service.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'shows the error state with the code when the upload is not an image',
    async () => {
      const service = await startTestService();
      const page = await browser().newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${service.httpUrl}/websocket-test.html`);
        await waitForConnected(page);
        await page.setInputFiles('#file', { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('these bytes are not a photo\n'.repeat(20)) });
        await page.click('#upload');
        await page.locator('#progress[data-state="error"]').waitFor({ timeout: PIPELINE_WAIT_MS });
        expect(await pageText(page, '#progress-label')).toMatch(/^Failed at validation stage: .+ \(HTTP 415 UNSUPPORTED_MEDIA_TYPE\)$/);
        await page.locator('#events li.event[data-type="processing_error"]:not(.foreign)').waitFor();
        expect(await page.locator('#gallery img').count()).toBe(0);
        // The only complaint allowed is Chromium's own note about the 415 response.
        expect(problems.all().filter((p) => !/status of 415/.test(p))).toEqual([]);
      } finally {
        await page.close();
        await service.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "shows a failed image's error beside the others and completes with 3 / 4",
    async () => {
      // The real local engine, whose image model fails for the second suggestion.
      const engine = localEngineWith((local) => ({
        generateImage: (photo, suggestion, options) =>
          options?.index === 2 ? Promise.reject(new EngineError('Image model timed out')) : local.generateImage(photo, suggestion, options),
      }));
      const flaky = await startTestService({}, { engine });
      const page = await browser().newPage();
      const problems = watchPageProblems(page);
      try {
        await page.goto(`${flaky.httpUrl}/`);
        await waitForConnected(page);
        await uploadAndWaitForCompletion(page, PHOTO);
        expect(await pageText(page, '#stat-images')).toBe('3 / 4');
        expect(await page.getAttribute('#gallery figure[data-index="2"]', 'data-state')).toBe('error');
        expect(await pageText(page, '#gallery figure[data-index="2"] .placeholder')).toContain('Image model timed out');
        expect(await page.locator('#gallery figure[data-state="done"][data-source="event"] img').count()).toBe(3);
        expect(await page.locator('#events li.kind-error[data-type="individual_image_error"]').count()).toBe(1);
        expect(problems.all()).toEqual([]);
      } finally {
        await page.close();
        await flaky.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
