/**
 * Launches Debian's Chromium (not a Playwright-downloaded build) through playwright-core,
 * headless, with a fresh profile and every background network feature off: the test
 * machines have no network, and nothing but the page under test may talk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where CI (`.ci/run`: `apt-get install -y chromium`) puts the browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumSession {
  context: BrowserContext;
  /** A new tab. */
  newPage(): Promise<Page>;
  /** Closes the browser and deletes its profile. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts Chromium with a fresh `--user-data-dir`. Throws a clear error (never skips) when
 * the executable is missing, so a machine without it fails the e2e tests loudly.
 */
export async function launchChromium(options: { executablePath?: string; viewport?: { width: number; height: number } } = {}): Promise<ChromiumSession> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}. The browser tests need Debian's chromium package: ` +
        '`apt-get install -y chromium` (.ci/run installs it), or set CHROMIUM_PATH.',
    );
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snatchshot-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: options.viewport ?? { width: 1280, height: 900 },
      timeout: 60_000,
    });
  } catch (err) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    context,
    newPage: () => context.newPage(),
    close() {
      closing ??= (async () => {
        await context.close().catch(() => undefined);
        fs.rmSync(userDataDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
