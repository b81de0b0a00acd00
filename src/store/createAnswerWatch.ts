/**
 * An HTTP dispatcher for nano's fetch calls that watches one call's answer: it bounds the bytes of
 * the body, refuses a compressed one, and records a body that failed, for `createNanoCouchClient`.
 *
 * Why: nano reads a whole answer into memory (a server sending hundreds of MB to a small GET would
 * have all of it held), and a body that fails after the headers escapes nano as an unhandled
 * rejection and leaves its call unsettled when the answer is not JSON (and reads as '' when it is).
 * Here such a body is ended early instead, so nano settles, and the call asks `failure()` whether
 * what nano made of it is a cut answer.
 */

/** The part of undici's dispatch handler (both its handler APIs) this watch takes part in. */
export interface Handler {
  onConnect?(abort: (err?: Error) => void, context?: unknown): void;
  onHeaders?(statusCode: number, rawHeaders: Buffer[], ...rest: unknown[]): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: unknown): void;
  onError?(err: Error): void;
  onResponseStart?(controller: Controller, statusCode: number, headers: Record<string, unknown>, ...rest: unknown[]): void;
  onResponseData?(controller: Controller, chunk: Buffer): void;
  onResponseEnd?(controller: Controller, trailers: unknown): void;
  onResponseError?(controller: Controller, err: Error): void;
}

interface Controller {
  abort(reason: Error): void;
}

/** What nano's fetch needs of a dispatcher (an undici `Agent` is one). */
export interface Dispatcher {
  dispatch(options: unknown, handler: Handler): boolean;
}

export interface AnswerWatch {
  /** To pass to nano as `agentOptions` (its fetch's `dispatcher`). */
  dispatcher: Dispatcher;
  /** Why the answer's body did not arrive whole (cut off, or over the limit); undefined when it did. */
  failure(): Error | undefined;
}

/** A watch for one call through `base`, whose answer may have at most `maxBytes` of body. */
export function createAnswerWatch(base: Dispatcher, maxBytes: number): AnswerWatch {
  let failure: Error | undefined;
  const tooLarge = () => new Error(`answer larger than ${maxBytes} bytes, not read`);

  function watch(handler: Handler): Handler {
    let bytes = 0;
    let answered = false;
    let abort: ((err?: Error) => void) | undefined;
    /**
     * A compressed answer (not asked for: nano's calls say `Accept-Encoding: identity`) would be
     * inflated after this count, so a small bomb could fill memory: it fails the call unread.
     */
    const refuseEncoded = (encoding: unknown): boolean => {
      const coding = (Array.isArray(encoding) ? encoding.join(', ') : typeof encoding === 'string' ? encoding : '').trim().toLowerCase();
      if (coding === '' || coding === 'identity') return false;
      failure ??= new Error(`answer compressed (Content-Encoding: ${coding}) though not asked for`);
      abort?.(failure);
      return true;
    };
    /** Counts a chunk; false once the body is over the limit. */
    const counted = (chunk: Buffer) => (bytes += chunk.length) <= maxBytes;
    return new Proxy(handler, {
      get(target, property, receiver) {
        switch (property) {
          case 'onConnect':
            return (abortCall: (err?: Error) => void, context?: unknown) => {
              abort = abortCall;
              target.onConnect?.(abortCall, context);
            };
          case 'onHeaders':
            return (statusCode: number, rawHeaders: Buffer[], ...rest: unknown[]) => {
              if (refuseEncoded(rawEncoding(rawHeaders))) return false;
              answered = true;
              return target.onHeaders?.(statusCode, rawHeaders, ...rest) ?? true;
            };
          case 'onData':
            return (chunk: Buffer) => {
              if (counted(chunk)) return target.onData?.(chunk) ?? true;
              failure ??= tooLarge();
              abort?.(failure);
              return false;
            };
          case 'onError':
            return (err: Error) => {
              if (!answered) return target.onError?.(err);
              // The headers were handed on: end the body here rather than fail it (see above).
              failure ??= err;
              target.onComplete?.(null);
            };
          case 'onResponseStart':
            return (controller: Controller, statusCode: number, headers: Record<string, unknown>, ...rest: unknown[]) => {
              if (refuseEncoded(headers['content-encoding'])) return controller.abort(failure as Error);
              answered = true;
              target.onResponseStart?.(controller, statusCode, headers, ...rest);
            };
          case 'onResponseData':
            return (controller: Controller, chunk: Buffer) => {
              if (counted(chunk)) return target.onResponseData?.(controller, chunk);
              failure ??= tooLarge();
              controller.abort(failure);
            };
          case 'onResponseError':
            return (controller: Controller, err: Error) => {
              if (!answered) return target.onResponseError?.(controller, err);
              failure ??= err;
              target.onResponseEnd?.(controller, {});
            };
          default:
            return Reflect.get(target, property, receiver) as unknown;
        }
      },
    });
  }

  return {
    dispatcher: {
      dispatch: (dispatchOptions, handler) => base.dispatch(dispatchOptions, watch(handler)),
    },
    failure: () => failure,
  };
}

/** The Content-Encoding of undici's raw headers (name, value, name, value, …). */
function rawEncoding(rawHeaders: Buffer[]): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toString('latin1').toLowerCase() === 'content-encoding') return rawHeaders[i + 1].toString('latin1');
  }
  return undefined;
}
