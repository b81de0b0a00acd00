import type { IncomingMessage, ServerResponse } from 'node:http';

/** Whether the request's `Expect` header asks for `100-continue` (case and spaces aside). */
export function expectsContinue(req: IncomingMessage): boolean {
  return req.headers.expect?.trim().toLowerCase() === '100-continue';
}

/**
 * Sends `100 Continue` to a client that is waiting for it before sending its body (its request
 * says `Expect: 100-continue`). The HTTP server hands such requests over without it
 * (`checkContinue`), so a request refused from its headers (413 from the announced length, 503
 * BUSY, 429) is refused before the client uploads the photo; call this once, when the body is
 * going to be read.
 */
export function continueIfExpected(req: IncomingMessage, res: ServerResponse): void {
  if (expectsContinue(req) && !res.headersSent) res.writeContinue();
}
