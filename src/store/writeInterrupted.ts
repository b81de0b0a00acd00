/**
 * The sweep's write: a request left `processing` by an instance that stopped is failed as
 * INTERRUPTED, so it does not stay "processing" for ever. Read-modify-write, so a request that
 * finished meanwhile is left alone.
 */
import type { CouchClient } from './CouchClient';
import { fieldsOf } from './fieldsOf';
import { updateDoc } from './updateDoc';

/**
 * Fails request `requestId` as INTERRUPTED if it is still `processing` (it may have finished since
 * it was listed) and its recorded deadline, if any, is before `deadlineBefore` (the instance
 * running it may allow it longer than the sweeping one would). Resolves true when it did.
 */
export async function writeInterrupted(client: CouchClient, db: string, requestId: string, deadlineBefore?: Date): Promise<boolean> {
  let failed = false;
  await updateDoc(client, db, requestId, (current) => {
    failed = false;
    if (current?.status !== 'processing') return null;
    const deadline = typeof current.deadlineAt === 'string' ? Date.parse(current.deadlineAt) : NaN;
    if (deadlineBefore && deadline >= deadlineBefore.getTime()) return null;
    failed = true;
    const now = new Date().toISOString();
    return {
      ...fieldsOf(current),
      status: 'failed',
      completedAt: now,
      imagesGenerated: 0,
      error: { code: 'INTERRUPTED', message: 'This request never finished being recorded: its server stopped first, or the database refused its last writes' },
      updatedAt: now,
    };
  });
  return failed;
}
