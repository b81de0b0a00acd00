import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A request id as the seed shows it: `req_<epoch ms>_<9 base-36 chars>`, from a CSPRNG. */
export function createRequestId(now: number = Date.now()): string {
  const bytes = randomBytes(9);
  let suffix = '';
  // 252 = 7 × 36: rejecting bytes ≥ 252 would be unbiased; the 0.4 % bias here is harmless for ids.
  for (const byte of bytes) suffix += ALPHABET[byte % 36];
  return `req_${now}_${suffix}`;
}
