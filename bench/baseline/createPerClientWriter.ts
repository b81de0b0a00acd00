/**
 * The event server's broadcast writing as it was before each frame was built once: every
 * recipient goes through `WebSocket#send`, so `ws` frames the same bytes again for each client.
 * The benchmark measures it beside the shipped writer, in the same run (issue 7's "before/after").
 */
import type { BroadcastWriter } from '../../src/ws/createBroadcastWriter';

export function createPerClientWriter(): BroadcastWriter {
  return {
    send(socket, data) {
      socket.send(data, { binary: false });
    },
  };
}
