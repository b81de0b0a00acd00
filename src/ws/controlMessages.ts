/**
 * Messages between a client and the event server that are not pipeline events.
 */
import { z } from 'zod';

/** What a client may send. Anything else is answered with an `error` message. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping') }),
  z.object({
    type: z.literal('subscribe'),
    requestId: z.string().min(1).max(64),
    /** Resume: send the events numbered after this `seq` (the last one the client has; 0 for all) first. */
    afterSeq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  }),
  z.object({ type: z.literal('unsubscribe'), requestId: z.string().min(1).max(64) }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

const timestamp = z.iso.datetime();

export const PongSchema = z.object({ type: z.literal('pong'), timestamp });
export const SubscribedSchema = z.object({ type: z.literal('subscribed'), requestId: z.string(), timestamp });
export const UnsubscribedSchema = z.object({ type: z.literal('unsubscribed'), requestId: z.string(), timestamp });
export const ErrorMessageSchema = z.object({
  type: z.literal('error'),
  /** REPLAY_INCOMPLETE: a resume could not send every event it should have (the store did not answer, or does not have them). */
  code: z.enum(['INVALID_MESSAGE', 'UNKNOWN_REQUEST', 'REPLAY_INCOMPLETE']),
  message: z.string(),
  timestamp,
});
export type ControlReply =
  | z.infer<typeof PongSchema>
  | z.infer<typeof SubscribedSchema>
  | z.infer<typeof UnsubscribedSchema>
  | z.infer<typeof ErrorMessageSchema>;

/** The `error` answering a message that is not one of ClientMessageSchema's, saying what is wrong with it. */
export function invalidMessageReply(parsed: unknown, timestamp: string): z.infer<typeof ErrorMessageSchema> {
  const afterSeq = (parsed as { afterSeq?: unknown } | null)?.afterSeq;
  const badAfterSeq = afterSeq !== undefined && (parsed as { type?: unknown }).type === 'subscribe';
  return {
    type: 'error',
    code: 'INVALID_MESSAGE',
    message: badAfterSeq
      ? `afterSeq must be a whole number from 0 (the seq of the last event you have of the request; 0 for all), not ${JSON.stringify(afterSeq)}`
      : 'Expected JSON {"type":"ping"}, {"type":"subscribe","requestId":"…"} (with "afterSeq":N to resume after event N) or {"type":"unsubscribe","requestId":"…"}',
    timestamp,
  };
}
