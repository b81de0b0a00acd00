import { buffer } from 'node:stream/consumers';
import type { EventHistory } from '../events/EventHistory';
import type { CouchStore } from './CouchStore';

/**
 * The stored event logs as an EventHistory: each event as the log has it, and an image event's
 * `imageData` read back from the image stored with the request (the log keeps it once, there).
 */
export function createStoredEventHistory(store: Pick<CouchStore, 'getEvents' | 'getImage' | 'getRequest'>): EventHistory {
  return {
    async eventsAfter(requestId, afterSeq) {
      const events = await store.getEvents(requestId);
      if (events.length === 0 && !(await store.getRequest(requestId))) return null;
      return events.filter((event) => event.seq !== undefined && event.seq > afterSeq);
    },

    async complete(event) {
      if (event.type !== 'individual_image_completed' || event.imageData) return event;
      const image = await store.getImage(event.requestId, event.imageIndex);
      const body = image && image.size > 0 ? await image.open({ start: 0, end: image.size - 1 }) : null;
      if (!body) return null;
      return { ...event, imageData: (await buffer(body)).toString('base64') };
    },
  };
}
