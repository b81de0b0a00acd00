/**
 * The probe events' `message`: `bench:<seq>:<monotonic send time in ns>`. The load process
 * reads it straight from the received bytes (no JSON.parse of a 1.5 MB image event on the
 * timed path), so the receive timestamp measures delivery, not client parsing.
 */

const PREFIX = 'bench:';
const MARKER = Buffer.from(`"message":"${PREFIX}`);

/** The message text for probe `seq` sent at `sentNs` (process.hrtime.bigint()). */
export function formatProbeMessage(seq: number, sentNs: bigint): string {
  return `${PREFIX}${seq}:${sentNs}`;
}

/** The probe fields of a received event, or undefined when it is not a probe. */
export function readProbe(data: Buffer): { seq: number; sentNs: bigint } | undefined {
  // The message field is written before any image data, so this search stops early.
  const at = data.indexOf(MARKER);
  if (at < 0) return undefined;
  const start = at + MARKER.length;
  const end = data.indexOf(0x22 /* " */, start);
  if (end < 0) return undefined;
  const [seq, sent] = data.toString('latin1', start, end).split(':');
  if (seq === undefined || sent === undefined || !/^\d+$/.test(seq) || !/^\d+$/.test(sent)) return undefined;
  return { seq: Number(seq), sentNs: BigInt(sent) };
}
