import type { ServerMessage } from '../../src/events/eventSchemas';
import { describeEvent } from './describeEvent';
import type { PipelineMessage } from './PipelineMessage';
import { saveImage } from './saveImage';
import { stamp } from './stamp';

/** Prints and saves one request's events as they arrive, and says when it ended. */
export interface Tracker {
  handle(message: ServerMessage): void;
  /** The request id, once known from processing_started (or the HTTP response). */
  adopt(requestId: string): void;
  terminal: Promise<PipelineMessage>;
  /** Image index → the file it was saved to. */
  saved: Map<number, string>;
  /** Image index → why it could not be saved (its event came, the file could not be written). */
  unsaved: Map<number, string>;
}

/**
 * Follows one request among the broadcast events: its processing_started names our
 * connectionId; events seen before the request id is known are held and replayed.
 */
export function createTracker(options: { connectionId: string; outDir: string; since: number }): Tracker {
  let requestId: string | undefined;
  const held: PipelineMessage[] = [];
  const saved = new Map<number, string>();
  const unsaved = new Map<number, string>();
  let settle!: (event: PipelineMessage) => void;
  const terminal = new Promise<PipelineMessage>((resolve) => (settle = resolve));

  const accept = (event: PipelineMessage) => {
    console.log(`${stamp(event.timestamp, options.since)} ${describeEvent(event)}`);
    if (event.type === 'individual_image_completed') {
      try {
        const file = saveImage(options.outDir, event.requestId, { index: event.imageIndex, title: event.title, mimeType: event.mimeType, imageData: event.imageData });
        saved.set(event.imageIndex, file);
        console.log(`      💾 saved ${file} (${Math.round((event.imageData.length * 3) / 4 / 1024)} KB)`);
      } catch (err) {
        unsaved.set(event.imageIndex, (err as Error).message);
        console.error(`      ⚠️  could not save image ${event.imageIndex}: ${(err as Error).message}`);
      }
    }
    if (event.type === 'processing_completed' || event.type === 'processing_error') settle(event);
  };

  const adopt = (id: string) => {
    if (requestId) return;
    requestId = id;
    for (const event of held.splice(0)) if (event.requestId === id) accept(event);
  };

  return {
    handle(message) {
      if (!('requestId' in message)) return;
      if (!requestId && message.type === 'processing_started' && message.connectionId === options.connectionId) adopt(message.requestId);
      if (message.requestId === requestId) accept(message);
      else if (!requestId && held.length < 1000) held.push(message);
    },
    adopt,
    terminal,
    saved,
    unsaved,
  };
}
