/**
 * The set-up the POST /process-image suites share: one local-engine service for the suite, the
 * real photo, and WebSocket clients closed after each test.
 */
import { createWsClient, type ReceivedMessage, type WsClient } from '../../support/createWsClient';
import { realPhotoJpeg } from '../../support/images';
import { startTestService, type TestService } from '../../support/startTestService';

export interface ProcessImageSuite {
  /** Set in beforeAll. */
  readonly service: TestService;
  /** The real fixture photo as JPEG; set in beforeAll. */
  readonly photo: Buffer;
  /** A WebSocket client of the service, closed after the test. */
  connect: () => Promise<WsClient>;
}

/** Registers the suite's hooks (call it inside `describe`) and returns what they set up. */
export function useProcessImageService(): ProcessImageSuite {
  const clients: WsClient[] = [];
  let service: TestService | undefined;
  let photo: Buffer | undefined;

  beforeAll(async () => {
    service = await startTestService();
    photo = await realPhotoJpeg();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await service?.close();
  });

  return {
    get service() {
      return service as TestService;
    },
    get photo() {
      return photo as Buffer;
    },
    connect: async () => {
      const client = await createWsClient((service as TestService).wsUrl);
      clients.push(client);
      return client;
    },
  };
}

/** The messages `client` received for request `requestId`. */
export const eventsOf = (client: WsClient, requestId: string) => client.messages.filter((m) => m.requestId === requestId);

/** Matches the terminal event (completed or error) of request `requestId`. */
export const terminal = (requestId: string) => (m: ReceivedMessage) =>
  m.requestId === requestId && (m.type === 'processing_completed' || m.type === 'processing_error');
