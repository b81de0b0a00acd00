import type { StoredBinary } from '../../../src/store/CouchStore';

/**
 * All the bytes of a stored image or upload, read through its stream as the results API reads
 * them; null when there is no such binary (or its bytes are gone).
 */
export async function storedBytes(binary: StoredBinary | null | Promise<StoredBinary | null>): Promise<Buffer | null> {
  const found = await binary;
  if (!found) return null;
  const body = await found.open({ start: 0, end: found.size - 1 });
  if (!body) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
