/**
 * test-api.ts — end-to-end smoke client for a running SnatchShot Cloud API (SPEC §7).
 *
 *   npx ts-node test-api.ts [photo] [--url http://host:4000] [--ws ws://host:4001]
 *                           [--timeout 120] [--out ./test-outputs] [--token <WS token>]
 *
 * Connects to the event server, waits for `connection_established`, uploads the photo
 * (default ./ss.jpg) with its connectionId, prints every event of its request as it arrives,
 * saves each generated image to the output folder, waits for the terminal event and the HTTP
 * response, and closes the socket cleanly.
 *
 * Exit codes: 0 success · 1 processing failed (HTTP error or processing_error) ·
 * 2 bad usage, unreadable photo or unusable output folder · 3 cannot connect to the servers ·
 * 4 timed out.
 */
import { accessSync, constants as fsConstants, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import dotenv from 'dotenv';
import WebSocket from 'ws';
import { ServerMessageSchema, type ServerMessage } from './src/events/eventSchemas';

const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, timeout: 4 } as const;
/** After the HTTP response, how long the terminal event may still take to arrive. */
const TERMINAL_GRACE_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;

interface Options {
  photo: string;
  apiUrl: string;
  /** Unset: asked from the API's /ws-health, else `wsPortFallback` on the API's host. */
  wsUrl?: string;
  wsPortFallback: number;
  token?: string;
  timeoutMs: number;
  outDir: string;
  help: boolean;
}

/** An expected way to fail: printed as one clear line, exits with `exitCode`. */
class Failure extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/** The part of the `POST /process-image` answer this script uses. */
interface ProcessResponse {
  success?: boolean;
  requestId?: string;
  engine?: string;
  totalTime?: string;
  imagesGenerated?: number;
  timings?: Record<string, number>;
  settings?: Record<string, unknown>;
  analysis?: { summary?: string; scores?: Record<string, number> };
  images?: Array<{ index: number; title?: string; mimeType?: string; imageData?: string; error?: string }>;
  error?: { code?: string; message?: string };
}

type PipelineMessage = Extract<ServerMessage, { requestId: string }>;

const USAGE = `Usage: npx ts-node test-api.ts [photo] [options]

  photo              image to upload (default ./ss.jpg)
  --url <url>        HTTP API base       (env API_URL, default http://localhost:HTTP_PORT,
                     HTTP_PORT as the service reads it, else 4000)
  --ws <url>         WebSocket URL       (env WS_URL, default: the API host, on the
                     port its /ws-health reports, else WS_PORT, else 4001)
  --token <token>    WebSocket token     (env WS_AUTH_TOKEN)
  --timeout <s>      give up after s seconds (env TIMEOUT_SECONDS, default 120)
  --out <dir>        where images are saved (default ./test-outputs)
  -h, --help         this text

Variables are read from the environment and from ./.env (the service's settings file,
so HOST, HTTP_PORT, WS_PORT and WS_AUTH_TOKEN there apply); the environment wins.

Exit codes: 0 ok, 1 processing failed, 2 usage/photo/output-folder error, 3 server unreachable,
4 timeout.`;

// ---------------------------------------------------------------- options

/** Parses argv (without node and script) and the environment. Throws Failure on bad usage. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
      if (!['url', 'ws', 'token', 'timeout', 'out'].includes(name)) throw new Failure(`Unknown option --${name}\n\n${USAGE}`, EXIT.usage);
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new Failure(`Option --${name} needs a value`, EXIT.usage);
      flags.set(name, value);
    } else positional.push(arg);
  }
  if (positional.length > 1) throw new Failure(`Expected at most one photo, got: ${positional.join(' ')}`, EXIT.usage);

  // A blank variable (`API_URL=` in .env) means the default, as it does for the service.
  const apiUrl = (flags.get('url') ?? (env.API_URL || defaultApiUrl(env))).replace(/\/+$/, '');
  const timeoutSeconds = Number(flags.get('timeout') ?? (env.TIMEOUT_SECONDS || 120));
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new Failure('--timeout must be a positive number of seconds', EXIT.usage);
  return {
    photo: positional[0] ?? './ss.jpg',
    apiUrl,
    wsUrl: flags.get('ws') ?? (env.WS_URL || undefined),
    wsPortFallback: Number(env.WS_PORT) || 4001,
    token: flags.get('token') ?? (env.WS_AUTH_TOKEN || undefined),
    timeoutMs: timeoutSeconds * 1000,
    outDir: flags.get('out') ?? './test-outputs',
    help,
  };
}

/** Where a service started from the same .env listens: HOST (a wildcard means this machine) and HTTP_PORT. */
function defaultApiUrl(env: NodeJS.ProcessEnv): string {
  const host = !env.HOST || env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.HTTP_PORT || 4000}`;
}

/** The variables of ./.env (none when there is no such file); the caller lets the environment win. */
export function readDotEnv(file = '.env'): Record<string, string> {
  try {
    return dotenv.parse(readFileSync(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Failure(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
}

/**
 * The event server runs on the API's host: on the port its /ws-health reports, or `fallbackPort`.
 * (Only the port is taken from /ws-health: behind a proxy the host it sees is not ours.)
 */
async function resolveWsUrl(apiUrl: string, fallbackPort: number): Promise<string> {
  let api: URL;
  try {
    api = new URL(apiUrl);
  } catch {
    throw new Failure(`Not a valid API URL: ${apiUrl}`, EXIT.usage);
  }
  let port = fallbackPort;
  try {
    const response = await fetch(`${apiUrl}/ws-health`, { signal: AbortSignal.timeout(3_000) });
    const reported = ((await response.json()) as { port?: unknown }).port;
    if (Number.isInteger(reported) && (reported as number) > 0) port = reported as number;
  } catch {
    // No /ws-health (or no server yet): the default port; connecting will say what is wrong.
  }
  return `${api.protocol === 'https:' ? 'wss' : 'ws'}://${api.host.replace(/:\d+$/, '')}:${port}`;
}

// ---------------------------------------------------------------- output

/** "10:42:07.123 +1.234s" — server time of the event, and time since the upload began. */
function stamp(iso: string | undefined, since: number): string {
  const date = iso ? new Date(iso) : new Date();
  const clock = date.toTimeString().slice(0, 8) + '.' + String(date.getMilliseconds()).padStart(3, '0');
  return `[${clock} +${((performance.now() - since) / 1000).toFixed(3)}s]`;
}

const EMOJI: Record<string, string> = {
  connection_established: '🔌',
  processing_started: '🚀',
  analysis_started: '🧠',
  content_analysis_complete: '📷',
  photo_analysis_complete: '📝',
  image_generation_started: '🎨',
  individual_image_started: '🖌️ ',
  individual_image_completed: '✅',
  individual_image_error: '❌',
  image_generation_completed: '🎨',
  image_generation_error: '💥',
  processing_completed: '🎉',
  processing_error: '💥',
};

/** One concise line (plus a detail line for results) per event. */
function describeEvent(event: PipelineMessage): string {
  const head = `${EMOJI[event.type] ?? '📡'} ${event.type.padEnd(27)} ${event.message}`;
  switch (event.type) {
    case 'content_analysis_complete': {
      const s = event.settings;
      return `${head}\n      ${s.aperture} · ${s.shutter_speed} · ISO ${s.iso} · ${s.white_balance} · ${s.exposure_compensation} — ${s.reason}`;
    }
    case 'photo_analysis_complete':
      return `${head}\n${event.analysis.suggestions.map((s, i) => `      ${i + 1}. ${s.title}`).join('\n')}`;
    case 'processing_error':
      return `${head}\n      stage ${event.stage}${event.code ? `, code ${event.code}` : ''}: ${event.error}`;
    default:
      return head;
  }
}

function slugify(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'image';
}

function extensionFor(mimeType: string | undefined): string {
  const known: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/avif': 'avif', 'image/gif': 'gif' };
  return known[mimeType ?? ''] ?? 'bin';
}

/**
 * Saves one generated image; returns its path. Synchronous on purpose: images are small,
 * and the "saved" line then prints right under its event.
 */
function saveImage(outDir: string, requestId: string, image: { index: number; title?: string; mimeType?: string; imageData: string }): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${requestId}-${image.index}-${slugify(image.title ?? 'image')}.${extensionFor(image.mimeType)}`);
  writeFileSync(file, Buffer.from(image.imageData, 'base64'));
  return file;
}

// ---------------------------------------------------------------- WebSocket

interface EventStream {
  socket: WebSocket;
  connectionId: string;
  /** Rejects if the socket closes before `close()` is called. */
  dropped: Promise<never>;
  close(): Promise<void>;
}

/**
 * Connects and resolves once `connection_established` arrives; every later message goes to
 * `onMessage`. `signal` aborting first (the overall deadline) rejects and ends the socket.
 */
function openEventStream(url: string, token: string | undefined, onMessage: (message: ServerMessage) => void, signal: AbortSignal): Promise<EventStream> {
  const target = new URL(url);
  if (token) target.searchParams.set('token', token);
  const socket = new WebSocket(target, { handshakeTimeout: CONNECT_TIMEOUT_MS });
  let closing = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const dropped = closed.then(({ code, reason }): never => {
    throw new Failure(`WebSocket closed before processing finished (code ${code}${reason ? `: ${reason}` : ''})`, EXIT.failed);
  });
  dropped.catch(() => undefined); // observed where it matters; never an unhandled rejection

  return new Promise<EventStream>((resolve, reject) => {
    const fail = (failure: unknown) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.terminate();
      // Settles once the socket is really gone, so a caller that waits for it leaves nothing open.
      void closed.then(() => reject(failure));
    };
    // Without this, a deadline hit mid-handshake would leave the socket and its timer running.
    const onAbort = () => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => fail(new Failure(`No connection_established from ${url} within ${CONNECT_TIMEOUT_MS / 1000}s`, EXIT.unreachable)), CONNECT_TIMEOUT_MS);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' ? 'connection refused — is the server running (npm start)?' : err.message;
      fail(new Failure(`Cannot connect to the WebSocket server at ${url}: ${why}`, EXIT.unreachable));
    });
    void closed.then(({ code, reason }) => {
      if (closing) return;
      const hint = code === 1008 ? ' (set WS_AUTH_TOKEN or --token)' : '';
      fail(new Failure(`The WebSocket server closed the connection: ${code} ${reason}${hint}`, EXIT.unreachable));
    });
    socket.on('message', (data) => {
      const message = parseMessage((data as Buffer).toString());
      if (!message) return;
      if (message.type === 'connection_established') {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve({
          socket,
          connectionId: message.connectionId,
          dropped,
          async close() {
            if (closing) return;
            closing = true;
            if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close(1000, 'done');
            // A server that never answers the close frame must not keep us alive.
            const forced = setTimeout(() => socket.terminate(), 2_000);
            await closed;
            clearTimeout(forced);
          },
        });
      } else onMessage(message);
    });
  });
}

/** Parses and validates one message; warns (and skips) when it breaks the event contract. */
function parseMessage(text: string): ServerMessage | undefined {
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

// ---------------------------------------------------------------- request tracking

interface Tracker {
  handle(message: ServerMessage): void;
  /** The request id, once known from processing_started (or the HTTP response). */
  adopt(requestId: string): void;
  terminal: Promise<PipelineMessage>;
  saved: Map<number, string>;
}

/**
 * Follows one request among the broadcast events: its processing_started names our
 * connectionId; events seen before the request id is known are held and replayed.
 */
function createTracker(options: { connectionId: string; outDir: string; since: number }): Tracker {
  let requestId: string | undefined;
  const held: PipelineMessage[] = [];
  const saved = new Map<number, string>();
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
  };
}

// ---------------------------------------------------------------- HTTP

/** Posts the photo; resolves with the parsed 2xx body, throws Failure otherwise. */
async function postPhoto(options: Options, photo: Buffer, connectionId: string, signal: AbortSignal): Promise<ProcessResponse> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(photo)]), path.basename(options.photo));
  let response: Response;
  try {
    response = await fetch(`${options.apiUrl}/process-image`, { method: 'POST', body: form, headers: { 'X-Connection-Id': connectionId }, signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code === 'ECONNREFUSED' ? 'connection refused — is the server running?' : (cause?.message ?? (err as Error).message);
    throw new Failure(`Cannot reach the API at ${options.apiUrl}: ${why}`, EXIT.unreachable);
  }
  const text = await response.text();
  let body: ProcessResponse | undefined;
  try {
    body = JSON.parse(text) as ProcessResponse;
  } catch {
    body = undefined;
  }
  if (!response.ok || !body || body.success === false) {
    const detail = body?.error ? `${body.error.code ?? 'ERROR'}: ${body.error.message ?? ''}` : text.slice(0, 200);
    throw new Failure(`POST /process-image failed with HTTP ${response.status} ${detail}`, EXIT.failed);
  }
  return body;
}

// ---------------------------------------------------------------- main

/**
 * A timer that rejects with a timeout Failure; `cancel` releases it and aborts `signal`, so an
 * upload still running when `run()` ends for another reason (the socket dropped) ends with it.
 */
function createDeadline(timeoutMs: number) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const failure = new Failure(`Timed out after ${timeoutMs / 1000}s without a result`, EXIT.timeout);
      controller.abort(failure);
      reject(failure);
    }, timeoutMs);
  });
  expired.catch(() => undefined);
  const cancel = () => {
    clearTimeout(timer);
    if (!controller.signal.aborted) controller.abort(new Failure('Finished', EXIT.failed));
  };
  return { signal: controller.signal, expired, cancel };
}

/** The terminal event normally precedes the HTTP answer; allow it a short grace after. */
async function withinGrace<T>(terminal: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Failure(`HTTP answered, but no terminal event arrived over the WebSocket within ${TERMINAL_GRACE_MS / 1000}s`, EXIT.failed)),
      TERMINAL_GRACE_MS,
    );
  });
  try {
    return await Promise.race([terminal, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Fails early, before anything is uploaded, when the output folder cannot be made: the nearest
 * existing part of its path must be a writable folder. Nothing is created yet (a failed run
 * leaves no empty folder behind).
 */
function checkOutDir(dir: string): void {
  const target = path.resolve(dir);
  let current = target;
  for (;;) {
    try {
      if (!statSync(current).isDirectory()) {
        throw new Failure(`Cannot use the output folder ${dir}: ${current === target ? 'EEXIST' : 'ENOTDIR'} (${current} is a file)`, EXIT.usage);
      }
      accessSync(current, fsConstants.W_OK);
      return;
    } catch (err) {
      if (err instanceof Failure) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' || path.dirname(current) === current) {
        throw new Failure(`Cannot use the output folder ${dir}: ${code ?? (err as Error).message}`, EXIT.usage);
      }
      current = path.dirname(current);
    }
  }
}

async function readPhoto(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new Failure(`Cannot read the photo ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
}

function printSummary(body: ProcessResponse, saved: Map<number, string>): void {
  console.log('\n📋 Result');
  console.log(`   request   ${body.requestId} (engine ${body.engine ?? '?'})`);
  console.log(`   time      ${body.totalTime} ms${body.timings ? ` — ${Object.entries(body.timings).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}` : ''}`);
  if (body.analysis?.summary) console.log(`   analysis  ${body.analysis.summary}`);
  if (body.analysis?.scores) console.log(`   scores    ${Object.entries(body.analysis.scores).map(([k, v]) => `${k} ${v}`).join(' · ')}`);
  for (const image of body.images ?? []) {
    console.log(`   image ${image.index}   ${image.error ? `❌ ${image.title ?? ''}: ${image.error}` : `${saved.get(image.index) ?? '(not saved)'}`}`);
  }
}

/** Runs the whole check; resolves with the process exit code. */
export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const options = parseOptions(argv, env);
  if (options.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  const photo = await readPhoto(options.photo);
  checkOutDir(options.outDir);
  const deadline = createDeadline(options.timeoutMs);
  let stream: EventStream | undefined;
  let opening: Promise<EventStream> | undefined;
  try {
    const wsUrl = options.wsUrl ?? (await resolveWsUrl(options.apiUrl, options.wsPortFallback));
    console.log(`🔌 Connecting to ${wsUrl} …`);
    let tracker: Tracker | undefined;
    const early: ServerMessage[] = [];
    opening = openEventStream(wsUrl, options.token, (message) => (tracker ? tracker.handle(message) : early.push(message)), deadline.signal);
    stream = await Promise.race([opening, deadline.expired]);
    const since = performance.now();
    const track = createTracker({ connectionId: stream.connectionId, outDir: options.outDir, since });
    tracker = track;
    for (const message of early) track.handle(message);
    console.log(`✅ Connected, connectionId ${stream.connectionId}`);
    console.log(`📤 Uploading ${options.photo} (${Math.round(photo.length / 1024)} KB) to ${options.apiUrl}/process-image …`);

    const body = await Promise.race([postPhoto(options, photo, stream.connectionId, deadline.signal), deadline.expired, stream.dropped]);
    if (body.requestId) track.adopt(body.requestId);
    const terminal = await Promise.race([withinGrace(track.terminal), deadline.expired, stream.dropped]);
    if (terminal.type !== 'processing_completed') throw new Failure(`HTTP succeeded but the request ended with ${terminal.type}`, EXIT.failed);

    for (const image of body.images ?? []) {
      // Only if its event never arrived (it should have): keep the files complete, but say so.
      if (image.imageData && body.requestId && !track.saved.has(image.index)) {
        const file = saveImage(options.outDir, body.requestId, { ...image, imageData: image.imageData });
        track.saved.set(image.index, file);
        console.warn(`⚠️  image ${image.index} came only with the HTTP response; saved ${file}`);
      }
    }
    printSummary(body, track.saved);
    console.log(`\n🎉 Done: ${track.saved.size} image(s) in ${path.resolve(options.outDir)}`);
    return EXIT.ok;
  } finally {
    deadline.cancel();
    if (stream) await stream.close();
    else await opening?.catch(() => undefined);
  }
}

if (require.main === module) {
  // Like the service: ./.env fills in what the environment does not set.
  Promise.resolve()
    .then(() => run(process.argv.slice(2), { ...readDotEnv(), ...process.env }))
    .then(
      (code) => process.exit(code),
      (err: unknown) => {
        if (err instanceof Failure) {
          console.error(`\n💥 ${err.message}`);
          process.exit(err.exitCode);
        }
        console.error('\n💥 Unexpected error:', err);
        process.exit(EXIT.failed);
      },
    );
}
