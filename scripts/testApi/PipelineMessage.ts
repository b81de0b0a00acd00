import type { ServerMessage } from '../../src/events/eventSchemas';

/** A server message that belongs to one request (every pipeline event). */
export type PipelineMessage = Extract<ServerMessage, { requestId: string }>;
