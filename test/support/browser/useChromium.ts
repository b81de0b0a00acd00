import { launchChromium, type ChromiumSession } from './launchChromium';

/**
 * One headless Chromium for a test file: launched before its tests (within `timeoutMs`), closed
 * after them. Call at the top of a `describe`; the answer gives the running session.
 */
export function useChromium(timeoutMs: number): () => ChromiumSession {
  let browser: ChromiumSession | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, timeoutMs);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('Chromium was not launched');
    return browser;
  };
}
