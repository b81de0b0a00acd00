/** The SHA-256 of `data` as lowercase hex: the checksum the API records and reports for stored bytes. */
import { createHash } from 'node:crypto';

/** SHA-256 of `data`, hex-encoded. */
export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
