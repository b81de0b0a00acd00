/**
 * Resuming a request after a drop (`subscribe` with `afterSeq`): the client is sent the events
 * numbered after `afterSeq` it missed, from the hub's memory when it still has them, else from
 * the stored log, then the live ones, in order and each once. Live events of that request that
 * come meanwhile are held for the client and sent after; afterwards, any the client already has
 * (a slower instance catching up over Redis) are dropped by their seq.
 */
import type { EventHistory } from '../events/EventHistory';
import { TERMINAL_EVENT_TYPES, type PipelineEvent } from '../events/eventSchemas';
import type { Logger } from '../logging/Logger';
import type { ControlReply } from './controlMessages';
import type { ReplayMemory } from './createReplayMemory';

export interface CatchUp {
  /**
   * Resumes `requestId` for client `clientId` after `afterSeq`. `known`: the hub knows the request
   * (it answers `subscribed` at once); otherwise the history decides, or UNKNOWN_REQUEST. False
   * when refused (answered with an error): one is already under way, or too many for the client.
   */
  start(clientId: string, requestId: string, afterSeq: number, known: boolean): boolean;
  /** True when the event must not be sent to the client now: it is held, or the client has it. */
  intercept(clientId: string, event: PipelineEvent, data: Buffer): boolean;
  /** Forgets what was noted of a client (it disconnected). */
  drop(clientId: string): void;
  /** Stops waiting on the store; catch-ups under way end without sending more. Idempotent. */
  close(): void;
}

export interface CatchUpDeps {
  memory: ReplayMemory;
  /** The stored logs; without it, only what the memory holds is replayed. */
  history?: EventHistory;
  /** Sends to the client; false when it is gone. */
  send(clientId: string, data: Buffer): boolean;
  reply(clientId: string, message: ControlReply): void;
  /** Whether more events of `requestId` are to come (started here and not ended). */
  isActive(requestId: string): boolean;
  /** Follows (or stops following) `requestId` for the client, in subscribed delivery. */
  follow(clientId: string, requestId: string, on: boolean): void;
  logger: Logger;
  /** Waits before reading the store again for events not stored yet (default ~3 s in all). */
  retryDelaysMs?: readonly number[];
}

interface Resume {
  /** The seq the client is to be sent next. */
  next: number;
  /** The highest seq read from the store: it exists, whether or not the memory knows it. */
  lastStored: number;
  held: Array<{ seq?: number; data: Buffer }>;
}

const RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1600];
/** Resumes one client may have under way at once: each may read the store. */
const MAX_RESUMES_PER_CLIENT = 4;
const keyOf = (clientId: string, requestId: string) => `${clientId} ${requestId}`;

export function createCatchUp(deps: CatchUpDeps): CatchUp {
  const { memory, history, logger } = deps;
  const delays = deps.retryDelaysMs ?? RETRY_DELAYS_MS;
  const resuming = new Map<string, Resume>();
  /** The last seq a client that resumed a request has of it, until that request ends. */
  const sentUpTo = new Map<string, number>();
  /** The waits before reading the store again, each with what ends it. */
  const waits = new Map<NodeJS.Timeout, () => void>();
  let closed = false;
  const timestamp = () => new Date().toISOString();

  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waits.delete(timer);
        resolve();
      }, ms);
      waits.set(timer, resolve);
    });
  }

  /** The last event the client must be sent before its held live ones (with none held, the last the memory knows of). */
  function lastMissed(requestId: string, resume: Resume): number {
    const firstHeld = resume.held.find((h) => h.seq !== undefined)?.seq;
    return firstHeld !== undefined ? firstHeld - 1 : Math.max(memory.lastSeq(requestId) ?? 0, resume.lastStored);
  }
  const caughtUp = (requestId: string, resume: Resume) => resume.next > lastMissed(requestId, resume);

  /** Logs a failed store read; `instead` is what the caller goes on with. */
  function unreadable<T>(err: unknown, requestId: string, instead: T): T {
    logger.warn({ err, requestId }, 'reading events to resume a client failed');
    return instead;
  }

  /** Sends what the memory holds from `resume.next` on; false once the client is gone. */
  function sendRemembered(clientId: string, requestId: string, resume: Resume): boolean {
    for (let data = memory.get(requestId, resume.next); data; data = memory.get(requestId, resume.next)) {
      if (!deps.send(clientId, data)) return false;
      resume.next += 1;
    }
    return true;
  }

  /**
   * Sends from `resume.next` on what the memory has, and what it lacks (images, forgotten events)
   * from the store, in order, reading the store again a few times for events not stored yet.
   * False once the client is gone.
   */
  async function replay(clientId: string, requestId: string, resume: Resume, firstRead: PipelineEvent[] | null | undefined): Promise<boolean> {
    let stored = firstRead;
    for (let attempt = 0; ; attempt += 1) {
      if (!sendRemembered(clientId, requestId, resume)) return false;
      // Nothing read from the store yet and nothing missing of a request the memory knows: no read needed.
      if (stored === undefined && memory.lastSeq(requestId) !== undefined && caughtUp(requestId, resume)) return true;
      if (!history) break;
      // A store that fails is read again like one that does not have the events yet: what is held still goes out after.
      stored ??= await history.eventsAfter(requestId, resume.next - 1).catch((err: unknown) => unreadable(err, requestId, []));
      for (const event of stored ?? []) resume.lastStored = Math.max(resume.lastStored, event.seq ?? 0);
      for (const event of stored ?? []) {
        if (closed) return true;
        if ((event.seq ?? 0) < resume.next) continue;
        if (event.seq !== resume.next) break;
        const complete =
          memory.get(requestId, event.seq) ??
          (await history.complete(event).then((e) => e && Buffer.from(JSON.stringify(e)), (err: unknown) => unreadable(err, requestId, null)));
        if (!complete) break;
        if (!deps.send(clientId, complete)) return false;
        resume.next += 1;
        if (!sendRemembered(clientId, requestId, resume)) return false;
      }
      if (caughtUp(requestId, resume) || closed) return true;
      if (attempt >= delays.length) break;
      // Events are stored a moment after they are sent: the missing ones may be on their way.
      await wait(delays[attempt]);
      stored = undefined;
    }
    const missing = `${resume.next}..${lastMissed(requestId, resume)}`;
    logger.warn({ clientId, requestId, missing }, 'resumed client not sent events neither the memory nor the store has');
    deps.reply(clientId, { type: 'error', code: 'REPLAY_INCOMPLETE', message: `Events ${missing} of ${requestId} could not be replayed; GET /requests/${requestId}/events has what is stored`, timestamp: timestamp() });
    return true;
  }

  async function run(clientId: string, requestId: string, known: boolean, resume: Resume): Promise<void> {
    let firstRead: PipelineEvent[] | null | undefined;
    if (!known) {
      firstRead = history ? await history.eventsAfter(requestId, resume.next - 1) : null;
      if (firstRead === null && resume.held.length === 0) {
        deps.follow(clientId, requestId, false);
        deps.reply(clientId, { type: 'error', code: 'UNKNOWN_REQUEST', message: `No request ${requestId} is known to this server`, timestamp: timestamp() });
        return;
      }
      // Ended before this server heard of it: nothing more will come.
      if (firstRead?.some((event) => TERMINAL_EVENT_TYPES.has(event.type))) deps.follow(clientId, requestId, false);
      deps.reply(clientId, { type: 'subscribed', requestId, timestamp: timestamp() });
    }
    if (!(await replay(clientId, requestId, resume, firstRead)) || closed) return;
    for (const { seq, data } of resume.held) {
      if (seq !== undefined && seq < resume.next) continue;
      if (!deps.send(clientId, data)) return;
      if (seq !== undefined) resume.next = seq + 1;
    }
    // Kept only while more may come: a client resuming ended requests again and again holds nothing.
    if (deps.isActive(requestId)) sentUpTo.set(keyOf(clientId, requestId), resume.next - 1);
  }

  return {
    start(clientId, requestId, afterSeq, knownToHub) {
      // The memory may remember a request the hub no longer counts among the recent.
      const known = knownToHub || memory.lastSeq(requestId) !== undefined;
      const key = keyOf(clientId, requestId);
      const underWay = [...resuming.keys()].filter((k) => k.startsWith(`${clientId} `)).length;
      if (resuming.has(key) || underWay >= MAX_RESUMES_PER_CLIENT) {
        const why = resuming.has(key) ? `Already resuming ${requestId}: its events are on their way` : `${underWay} resumes are under way on this connection; wait for their events`;
        deps.reply(clientId, { type: 'error', code: 'INVALID_MESSAGE', message: why, timestamp: timestamp() });
        return false;
      }
      const resume: Resume = { next: afterSeq + 1, lastStored: 0, held: [] };
      resuming.set(key, resume);
      sentUpTo.delete(key);
      if (known) deps.reply(clientId, { type: 'subscribed', requestId, timestamp: timestamp() });
      // Begun once the caller has followed the request (run may stop following it).
      Promise.resolve()
        .then(() => run(clientId, requestId, known, resume))
        .catch((err: unknown) => {
          logger.warn({ err, clientId, requestId }, 'resuming a client failed');
          deps.reply(clientId, { type: 'error', code: 'REPLAY_INCOMPLETE', message: `The events of ${requestId} could not be read; try again shortly`, timestamp: timestamp() });
        })
        .finally(() => resuming.delete(key));
      return true;
    },

    intercept(clientId, event, data) {
      // Asked for every client of every event: with no resume noted anywhere, no key is built.
      if (resuming.size === 0 && sentUpTo.size === 0) return false;
      const key = keyOf(clientId, event.requestId);
      const resume = resuming.get(key);
      if (resume) {
        resume.held.push({ seq: event.seq, data });
        return true;
      }
      const upTo = sentUpTo.get(key);
      if (upTo === undefined) return false;
      if (TERMINAL_EVENT_TYPES.has(event.type)) sentUpTo.delete(key);
      return event.seq !== undefined && event.seq <= upTo;
    },

    drop(clientId) {
      for (const map of [resuming, sentUpTo]) for (const key of map.keys()) if (key.startsWith(`${clientId} `)) map.delete(key);
    },

    close() {
      closed = true;
      for (const [timer, resolve] of waits) {
        clearTimeout(timer);
        resolve();
      }
      waits.clear();
    },
  };
}
