/** The store's reads' one failure mapping, shared by the store and the attachment streams it hands out. */
import { CouchError } from './CouchClient';
import { StoreError } from './StoreError';

/** Runs a read; it fails as StoreError `unavailable` when the database does. Other errors are bugs and pass through. */
export async function readOrUnavailable<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof CouchError) throw new StoreError('unavailable', `could not read ${what}: ${err.message}`, { cause: err });
    throw err;
  }
}
