import { ServerMessageSchema, type ServerMessage } from '../../src/events/eventSchemas';

/** Parses and validates one message; warns (and skips) when it breaks the event contract. */
export function parseMessage(text: string): ServerMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    console.warn(`⚠️  Ignoring a message that is not JSON (${text.length} chars)`);
    return undefined;
  }
  const type = (json as { type?: unknown } | null)?.type;
  if (type === 'pong' || type === 'subscribed' || type === 'unsubscribed') return undefined;
  const parsed = ServerMessageSchema.safeParse(json);
  if (!parsed.success) {
    console.warn(`⚠️  Event "${String(type)}" does not match the SPEC schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return undefined;
  }
  return parsed.data;
}
