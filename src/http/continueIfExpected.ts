import type { ServerResponse } from 'node:http';

/** Node's own flags (set since Node 0.x) on a response whose request sent `Expect: 100-continue`. */
interface ContinueFlags {
  _expect_continue?: boolean;
  _sent100?: boolean;
}

/**
 * Sends `100 Continue` to a client that is waiting for it before sending its body, unless it
 * was sent already. The HTTP server hands such requests over without it (`checkContinue`), so
 * a request refused from its headers (413 from the announced length, 503 BUSY, 429) is refused
 * before the client uploads the photo; call this once the body is going to be read.
 */
export function continueIfExpected(res: ServerResponse): void {
  const flags = res as unknown as ContinueFlags;
  if (flags._expect_continue === true && flags._sent100 !== true) res.writeContinue();
}
