/**
 * The wire form of one event on the Redis channel: a header line naming the format and the
 * publishing instance, then the event's JSON exactly as WebSocket clients are sent it:
 *
 *     snatchshot-event/1 <instance id>\n{"type":"processing_started",...}
 *
 * The header lets an instance drop its own events when Redis echoes them back (it delivered
 * them locally already), and the JSON after it can be handed to the WebSocket clients as it
 * arrived, with no second serialization of a multi-megabyte image.
 */
import { isUtf8 } from 'node:buffer';
import { PipelineEventSchema, type PipelineEvent } from './eventSchemas';

const FORMAT = 'snatchshot-event/1';
const HEADER = /^snatchshot-event\/1 ([0-9a-f-]{36})$/;
/** Longer than any header this format writes: a message without a newline early is foreign. */
const MAX_HEADER_BYTES = 64;

export type DecodedEventMessage =
  | { ok: true; from: string; event: PipelineEvent; encoded: Buffer }
  | { ok: false; problem: string };

/** The message that carries `encoded` (an event's UTF-8 JSON) from instance `from`. */
export function encodeEventMessage(from: string, encoded: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${FORMAT} ${from}\n`, 'latin1'), encoded]);
}

/**
 * Reads one message from the channel. Anything but a well-formed event of this format (another
 * program's message, a truncated or corrupt one, an event that fails its schema, one over
 * `maxBytes`, not read) comes back with the problem in words, for the log: it must never reach
 * a client or throw.
 */
export function decodeEventMessage(message: Buffer, maxBytes = Infinity): DecodedEventMessage {
  if (message.length > maxBytes) return { ok: false, problem: `larger than ${maxBytes} bytes` };
  const newline = message.subarray(0, MAX_HEADER_BYTES).indexOf(0x0a);
  const header = newline < 0 ? undefined : HEADER.exec(message.toString('latin1', 0, newline));
  if (!header) return { ok: false, problem: `not a ${FORMAT} message` };
  const encoded = message.subarray(newline + 1);
  // Forwarded to clients as it is: bytes that are not UTF-8 would make them close with 1007.
  if (!isUtf8(encoded)) return { ok: false, problem: 'the event is not UTF-8' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(encoded.toString('utf8'));
  } catch {
    return { ok: false, problem: 'the event is not JSON' };
  }
  const result = PipelineEventSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, problem: `not a valid event: ${issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'schema mismatch'}` };
  }
  return { ok: true, from: header[1], event: result.data, encoded };
}
