/**
 * What a user does on websocket-test.html, as test steps: wait for a connection, upload a
 * photo and wait for the end, read a text. Selectors are the page's ids.
 */
import type { Page } from 'playwright-core';

/** Generous: two cores shared with other suites. A limit, not an assertion. */
export const PIPELINE_WAIT_MS = 90_000;

/** Chromium reports a refused WebSocket handshake as a console error; expected while a server is down. */
export const isWebSocketRefusal = (message: string): boolean => /WebSocket connection to '.*' failed/.test(message);

/**
 * Served by the service, the page asks /ws-health for the port before each reconnection; while
 * the service is down that request is refused (a console error and a failed request). Expected.
 */
export const isWsHealthRefusal = (message: string): boolean => /\/ws-health\b.*ERR_CONNECTION_REFUSED|ERR_CONNECTION_REFUSED.*\/ws-health\b/.test(message);

/** The trimmed text of the first element matching `selector`. */
export async function pageText(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? '').trim();
}

/**
 * Waits until the badge says connected with a connection id other than `notConnectionId`
 * (pass the previous id to wait for a reconnection); returns the id.
 */
export async function waitForConnected(page: Page, notConnectionId = ''): Promise<string> {
  await page.waitForFunction(
    (previous) =>
      document.querySelector<HTMLElement>('#status')?.dataset.state === 'connected' &&
      (document.querySelector('#stat-connection')?.textContent ?? '—') !== previous &&
      (document.querySelector('#stat-connection')?.textContent ?? '—') !== '—',
    notConnectionId,
    { timeout: 30_000 },
  );
  return pageText(page, '#stat-connection');
}

/** Picks `file`, presses Upload, and waits for the progress bar to complete at 100 %. */
export async function uploadAndWaitForCompletion(page: Page, file: string): Promise<void> {
  await page.setInputFiles('#file', file);
  await page.click('#upload');
  await page.locator('#progress[aria-valuenow="100"][data-state="done"]').waitFor({ timeout: PIPELINE_WAIT_MS });
}
