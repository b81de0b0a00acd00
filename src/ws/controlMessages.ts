/**
 * Messages between a client and the event server that are not pipeline events.
 */
import { z } from 'zod';

/** What a client may send. Anything else is answered with an `error` message. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('subscribe'), requestId: z.string().min(1).max(64) }),
  z.object({ type: z.literal('unsubscribe'), requestId: z.string().min(1).max(64) }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

const timestamp = z.iso.datetime();

export const PongSchema = z.object({ type: z.literal('pong'), timestamp });
export const SubscribedSchema = z.object({ type: z.literal('subscribed'), requestId: z.string(), timestamp });
export const UnsubscribedSchema = z.object({ type: z.literal('unsubscribed'), requestId: z.string(), timestamp });
export const ErrorMessageSchema = z.object({
  type: z.literal('error'),
  code: z.enum(['INVALID_MESSAGE', 'UNKNOWN_REQUEST']),
  message: z.string(),
  timestamp,
});
export type ControlReply =
  | z.infer<typeof PongSchema>
  | z.infer<typeof SubscribedSchema>
  | z.infer<typeof UnsubscribedSchema>
  | z.infer<typeof ErrorMessageSchema>;
