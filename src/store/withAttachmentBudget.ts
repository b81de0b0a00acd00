/**
 * Bounds the attachment bytes a CouchClient has in flight at once. The embedded database holds
 * several copies of each attachment while it stores it (see docs/persistence.md), so its memory
 * grows with the bytes written at once; with this it stays near the budget times that multiple,
 * however many requests write at once.
 */
import type { CouchClient } from './CouchClient';
import type { ByteBudget } from './createByteBudget';

/**
 * `client`, whose `putAttachment` first waits for its bytes in `budget` and frees them once the
 * call is answered (or fails). The wait comes before the call's deadline starts. Every other
 * call passes straight through: documents and reads never wait behind attachments.
 */
export function withAttachmentBudget(client: CouchClient, budget: ByteBudget): CouchClient {
  return {
    ...client,
    async putAttachment(db, id, name, data, contentType, rev) {
      const release = await budget.acquire(data.length);
      try {
        return await client.putAttachment(db, id, name, data, contentType, rev);
      } finally {
        release();
      }
    },
  };
}
