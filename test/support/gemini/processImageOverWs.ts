/**
 * Posts one photo to a running service and collects that request's WebSocket events up to
 * its terminal event: what a client of SPEC §3–4 would see.
 */
import request from 'supertest';
import { createWsClient, type ReceivedMessage } from '../createWsClient';

export interface ProcessImageRun {
  status: number;
  body: Record<string, unknown>;
  /** This request's events, in arrival order, ending with its terminal event. */
  events: ReceivedMessage[];
  connectionId: string;
}

/** Uploads `photo` as field `image` and waits for `processing_completed` / `processing_error`. */
export async function processImageOverWs(service: { httpUrl: string; wsUrl: string }, photo: Buffer, filename = 'photo.jpg'): Promise<ProcessImageRun> {
  const client = await createWsClient(service.wsUrl);
  try {
    const response = await request(service.httpUrl)
      .post('/process-image')
      .set('X-Connection-Id', client.connectionId)
      .attach('image', photo, filename);
    const body = response.body as Record<string, unknown>;
    const requestId = body.requestId as string;
    const isTerminal = (m: ReceivedMessage) =>
      m.requestId === requestId && (m.type === 'processing_completed' || m.type === 'processing_error');
    await client.waitFor(isTerminal);
    return {
      status: response.status,
      body,
      events: client.messages.filter((m) => m.requestId === requestId),
      connectionId: client.connectionId,
    };
  } finally {
    await client.close();
  }
}
