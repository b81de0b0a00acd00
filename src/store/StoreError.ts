/**
 * A read from the store failed. `kind` says why, so the web layer can answer with the right code:
 * `unavailable` (the database did not answer or failed) or `invalid_cursor` (a listing cursor the
 * store did not issue).
 */
export class StoreError extends Error {
  readonly kind: 'unavailable' | 'invalid_cursor';

  constructor(kind: StoreError['kind'], message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StoreError';
    this.kind = kind;
  }
}
