/**
 * Records what a page reports as going wrong: console errors (and warnings), uncaught
 * exceptions, and failed requests, so a test can assert there were none.
 */
import type { Page } from 'playwright-core';

export interface PageProblems {
  consoleErrors: string[];
  consoleWarnings: string[];
  pageErrors: string[];
  failedRequests: string[];
  /** Everything above in one list, for an assertion message. */
  all(): string[];
}

/** Starts recording; attach before `page.goto` so nothing is missed. */
export function watchPageProblems(page: Page): PageProblems {
  const problems: PageProblems = {
    consoleErrors: [],
    consoleWarnings: [],
    pageErrors: [],
    failedRequests: [],
    all: () => [
      ...problems.consoleErrors.map((m) => `console.error: ${m}`),
      ...problems.pageErrors.map((m) => `uncaught: ${m}`),
      ...problems.failedRequests.map((m) => `request failed: ${m}`),
    ],
  };
  page.on('console', (message) => {
    const location = message.location();
    const where = location.url ? ` (${location.url}:${location.lineNumber})` : '';
    if (message.type() === 'error') problems.consoleErrors.push(`${message.text()}${where}`);
    if (message.type() === 'warning') problems.consoleWarnings.push(`${message.text()}${where}`);
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.stack ?? error.message));
  page.on('requestfailed', (request) => problems.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
  return problems;
}
