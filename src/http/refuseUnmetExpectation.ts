import type { RequestHandler } from 'express';
import { AppError } from '../errors/AppError';
import { expectsContinue } from './continueIfExpected';

/**
 * Answers 417 `EXPECTATION_FAILED` to a request whose `Expect` header asks for anything but
 * `100-continue` (RFC 9110 §10.1.1), as JSON like every other error; Node's own answer to those
 * is a bare 417 with no body. The HTTP server must hand such requests to the app
 * (`checkExpectation`). The connection closes: the client may send its body regardless.
 */
export const refuseUnmetExpectation: RequestHandler = (req, _res, next) => {
  const expect = req.headers.expect;
  if (expect === undefined || expectsContinue(req)) return next();
  next(
    new AppError('EXPECTATION_FAILED', `This server meets only "Expect: 100-continue", not "${expect.slice(0, 100)}"; send the request without it`, {
      headers: { Connection: 'close' },
    }),
  );
};
