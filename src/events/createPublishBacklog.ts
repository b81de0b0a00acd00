/**
 * The events an instance could not publish yet (Redis down, or not keeping up), kept in emit
 * order for a bounded time and size so they cross once Redis takes them again.
 */

export interface PublishBacklogOptions {
  /** Above this many bytes of messages, the oldest are dropped to make room. */
  maxBytes: number;
  /** A message held longer than this is dropped instead of published. */
  maxAgeMs: number;
  now: () => number;
  /** `count` messages were dropped, as the backlog was full or they were too old. */
  onDrop: (count: number, reason: 'full' | 'too old') => void;
}

export interface PublishBacklog {
  readonly length: number;
  readonly bytes: number;
  /** Appends `message`, dropping the oldest (and any too old) until it fits; one larger than `maxBytes` is dropped itself. */
  push(message: Buffer): void;
  /** The oldest message still young enough, not removed (those too old are dropped on the way). */
  peek(): Buffer | undefined;
  /** Removes the message `peek` answered. */
  shift(): void;
  /** Empties the backlog; answers how many messages it held. */
  clear(): number;
}

/**
 * Oldest first, both when published and when dropped: the order is the emit order, and what a
 * full backlog gives up is what an old one would give up next anyway. Dropping from the head
 * only leaves a gap in what crosses, never an event behind one emitted later.
 */
export function createPublishBacklog(options: PublishBacklogOptions): PublishBacklog {
  let entries: Array<{ message: Buffer; at: number }> = [];
  let head = 0;
  let bytes = 0;

  /** Removes the `count` oldest entries. */
  function advance(count: number): void {
    for (let i = 0; i < count; i += 1) bytes -= entries[head + i].message.length;
    head += count;
    // Compacts now and then, so a backlog that never empties does not keep the slots of those gone.
    if (head === entries.length || (head > 1024 && head * 2 > entries.length)) {
      entries = entries.slice(head);
      head = 0;
    }
  }

  function dropHead(count: number, reason: 'full' | 'too old'): void {
    advance(count);
    options.onDrop(count, reason);
  }

  function dropExpired(): void {
    const oldest = options.now() - options.maxAgeMs;
    let count = 0;
    while (head + count < entries.length && entries[head + count].at < oldest) count += 1;
    if (count > 0) dropHead(count, 'too old');
  }

  return {
    get length() {
      return entries.length - head;
    },
    get bytes() {
      return bytes;
    },
    push(message) {
      dropExpired();
      if (message.length > options.maxBytes) {
        options.onDrop(1, 'full');
        return;
      }
      let count = 0;
      let freed = 0;
      while (bytes - freed + message.length > options.maxBytes) {
        freed += entries[head + count].message.length;
        count += 1;
      }
      if (count > 0) dropHead(count, 'full');
      entries.push({ message, at: options.now() });
      bytes += message.length;
    },
    peek() {
      dropExpired();
      return entries[head]?.message;
    },
    shift() {
      if (entries.length > head) advance(1);
    },
    clear() {
      const count = entries.length - head;
      entries = [];
      head = 0;
      bytes = 0;
      return count;
    },
  };
}
