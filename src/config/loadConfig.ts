/**
 * Reads and validates the configuration once, at start-up, from the environment (SPEC §6).
 * A bad value throws a ConfigError naming the variable; nothing else reads process.env.
 */
import path from 'node:path';
import { z } from 'zod';
import type { GeminiEngineOptions } from '../engine/gemini/createGeminiEngine';
import type { EngineName } from '../engine/ImageEngine';
import type { LogLevel } from '../logging/createLogger';
import { redactUrl } from '../util/redactUrl';
import { debugEnables } from './debugEnables';
import { DEFAULT_TRUST_PROXY, trustProxySetting, type TrustProxy } from './trustProxySetting';
import { couchUrlProblem, geminiUrlProblem, redisUrlProblem } from './urlProblems';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The GEMINI_* variables, as the engine's own options (unset ones take the engine's defaults). */
export type GeminiConfig = Partial<
  Pick<GeminiEngineOptions, 'apiKey' | 'baseUrl' | 'textModel' | 'imageModel' | 'timeoutMs' | 'maxRetries' | 'maxConcurrency'>
>;

export interface Config {
  host: string;
  httpPort: number;
  wsPort: number;
  engine: EngineName;
  gemini: GeminiConfig;
  imageCount: number;
  maxUploadBytes: number;
  maxImagePixels: number;
  maxConcurrentRequests: number;
  maxQueuedRequests: number;
  requestTimeoutMs: number;
  /** An upload that sends nothing for this long is abandoned (408 UPLOAD_TIMEOUT) and its slot freed. */
  uploadIdleTimeoutMs: number;
  couchdbUrl?: string;
  /** Redis server carrying events between instances (SPEC §8); unset: events stay in this process. */
  redisUrl?: string;
  /** The Redis pub/sub channel the instances of one deployment share. */
  redisChannel: string;
  dataDir: string;
  /** Where the embedded database runs when `couchdbUrl` is unset. */
  embeddedDb: 'child-process' | 'in-process';
  wsAuthToken?: string;
  wsAllowedOrigins: string[];
  wsDelivery: 'broadcast' | 'subscribed';
  wsHeartbeatMs: number;
  wsMaxBufferedBytes: number;
  wsMaxPayloadBytes: number;
  rateLimitPerMinute: number;
  /** Proxies whose X-Forwarded-For gives the client's address (Express `trust proxy`). */
  trustProxy: TrustProxy;
  shutdownTimeoutMs: number;
  corsOrigin: string;
  logLevel: LogLevel;
  debugWebsocket: boolean;
}

/** A whole number in plain decimal digits: "0x10", "1e3" and "4.0" are refused, not read as 16, 1000, 4. */
const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number (decimal digits only)')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const port = integer(0, 65535);
const positiveInt = (max: number) => integer(1, max);
/**
 * Why `entry` is not an origin as a browser or app sends it in its Origin header, or undefined
 * when it is one: `null` (a page opened from disk), `scheme://host[:port]` with no path, and for
 * http(s) exactly the form browsers send (lower-case host, no default port).
 */
function originProblem(entry: string): string | undefined {
  if (entry === 'null') return undefined;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return 'write scheme://host[:port]';
  }
  if (!url.host || url.username || url.password || url.search || url.hash || entry.endsWith('/') || (url.pathname !== '' && url.pathname !== '/')) {
    return 'write scheme://host[:port] with no path or trailing slash';
  }
  // Browsers send http(s) origins normalised; anything else would never match.
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin !== entry) return `browsers send it as ${url.origin}`;
  return undefined;
}

/** A comma-separated list of origins (see originProblem), or `*` where allowed. */
const origins = (allowAny: boolean) =>
  z.string().superRefine((value, ctx) => {
    for (const entry of value.split(',').map((o) => o.trim()).filter(Boolean)) {
      if (allowAny && entry === '*') continue;
      const problem = originProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', message: `"${entry}" is not an origin: ${problem}${allowAny ? ' (or use *)' : ''}` });
    }
  });

/**
 * A size in `unit` bytes (fractions allowed) that is at least `minBytes` once converted: a
 * value that rounds to 0 bytes would switch a limit off (ws reads maxPayload 0 as "none").
 */
const size = (unit: 'KB' | 'MB', minBytes: number, max: number) => {
  const unitBytes = unit === 'KB' ? 1024 : 1024 * 1024;
  return z
    .string()
    .trim()
    .regex(/^(\d+(\.\d*)?|\.\d+)$/, `must be a number of ${unit} in decimal digits`)
    .transform(Number)
    .pipe(z.number().min(minBytes / unitBytes, `must be at least ${minBytes} bytes (${minBytes / unitBytes} ${unit})`)
    .max(max, `must be at most ${max} ${unit}`));
};
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));

/** A URL variable: blank means unset, and `problemOf` says why a value cannot be used. */
const urlVariable = (problemOf: (value: string) => string | undefined) =>
  optionalString.superRefine((value, ctx) => {
    const problem = value === undefined ? undefined : problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const couchUrl = urlVariable(couchUrlProblem);
const redisUrl = urlVariable(redisUrlProblem);
const geminiUrl = urlVariable(geminiUrlProblem);

/** The `debug` namespace of the WebSocket server's logs: `DEBUG=websocket:*` (or `*`) turns them on. */
const WEBSOCKET_DEBUG_NAMESPACE = 'websocket:server';

/** Variables whose values may hold secrets: an error shows them redacted. */
const URL_VARIABLES = new Set(['COUCHDB_URL', 'GEMINI_BASE_URL', 'REDIS_URL']);

const EnvSchema = z.object({
  HOST: z.string().default('0.0.0.0'),
  HTTP_PORT: port.default(4000),
  WS_PORT: port.default(4001),
  ENGINE: z.enum(['local', 'gemini']).optional(),
  GEMINI_API_KEY: optionalString,
  GEMINI_BASE_URL: geminiUrl,
  GEMINI_TEXT_MODEL: optionalString,
  GEMINI_IMAGE_MODEL: optionalString,
  GEMINI_TIMEOUT_MS: positiveInt(600_000).optional(),
  GEMINI_MAX_RETRIES: integer(0, 10).optional(),
  GEMINI_MAX_CONCURRENCY: positiveInt(256).optional(),
  IMAGE_COUNT: positiveInt(8).default(4),
  MAX_UPLOAD_MB: size('MB', 1024, 200).default(20),
  MAX_IMAGE_PIXELS: positiveInt(1_000_000_000).default(100_000_000),
  MAX_CONCURRENT_REQUESTS: positiveInt(1000).default(4),
  MAX_QUEUED_REQUESTS: integer(0, 10_000).default(16),
  REQUEST_TIMEOUT_MS: positiveInt(3_600_000).default(180_000),
  UPLOAD_IDLE_TIMEOUT_MS: positiveInt(600_000).default(30_000),
  COUCHDB_URL: couchUrl,
  REDIS_URL: redisUrl,
  REDIS_CHANNEL: z
    .string()
    .trim()
    .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 printable ASCII characters, no spaces')
    .default('snatchshot:events'),
  DATA_DIR: z.string().min(1).default('./data'),
  EMBEDDED_DB: z.enum(['child-process', 'in-process']).default('child-process'),
  WS_AUTH_TOKEN: optionalString,
  WS_ALLOWED_ORIGINS: origins(false).default(''),
  WS_DELIVERY: z.enum(['broadcast', 'subscribed']).default('broadcast'),
  WS_HEARTBEAT_MS: positiveInt(3_600_000).default(30_000),
  WS_MAX_BUFFERED_MB: size('MB', 1024, 1024).default(8),
  WS_MAX_PAYLOAD_KB: size('KB', 64, 1024).default(16),
  RATE_LIMIT_PER_MINUTE: integer(0, 1_000_000).default(0),
  TRUST_PROXY: trustProxySetting.default(DEFAULT_TRUST_PROXY),
  SHUTDOWN_TIMEOUT_MS: positiveInt(600_000).default(30_000),
  CORS_ORIGIN: origins(true).default('*'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEBUG: z.string().default(''),
});

/** Every variable the configuration reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

/**
 * Parses `env` into a Config. Throws ConfigError with one line per bad variable. A variable
 * set to an empty (or blank) value is treated as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // `HTTP_PORT=` (a blank line in .env) means "the default", not 0 or "".
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = EnvSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      // A URL may carry a password: show it redacted (or not at all when it does not parse).
      const value = URL_VARIABLES.has(name) ? redactUrl(env[name] ?? '') : (env[name] ?? '');
      return `Invalid ${name}=${JSON.stringify(value)}: ${issue.message}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  const e = parsed.data;
  const engine: EngineName = e.ENGINE ?? (e.GEMINI_API_KEY ? 'gemini' : 'local');
  if (engine === 'gemini' && !e.GEMINI_API_KEY) {
    throw new ConfigError('Invalid GEMINI_API_KEY: ENGINE=gemini needs GEMINI_API_KEY to be set');
  }
  if (e.HTTP_PORT !== 0 && e.HTTP_PORT === e.WS_PORT) {
    throw new ConfigError(`Invalid WS_PORT=${e.WS_PORT}: must differ from HTTP_PORT`);
  }
  return {
    host: e.HOST,
    httpPort: e.HTTP_PORT,
    wsPort: e.WS_PORT,
    engine,
    gemini: {
      apiKey: e.GEMINI_API_KEY,
      baseUrl: e.GEMINI_BASE_URL,
      textModel: e.GEMINI_TEXT_MODEL,
      imageModel: e.GEMINI_IMAGE_MODEL,
      timeoutMs: e.GEMINI_TIMEOUT_MS,
      maxRetries: e.GEMINI_MAX_RETRIES,
      maxConcurrency: e.GEMINI_MAX_CONCURRENCY,
    },
    imageCount: e.IMAGE_COUNT,
    maxUploadBytes: Math.round(e.MAX_UPLOAD_MB * 1024 * 1024),
    maxImagePixels: e.MAX_IMAGE_PIXELS,
    maxConcurrentRequests: e.MAX_CONCURRENT_REQUESTS,
    maxQueuedRequests: e.MAX_QUEUED_REQUESTS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    uploadIdleTimeoutMs: e.UPLOAD_IDLE_TIMEOUT_MS,
    couchdbUrl: e.COUCHDB_URL,
    redisUrl: e.REDIS_URL,
    redisChannel: e.REDIS_CHANNEL,
    dataDir: path.resolve(e.DATA_DIR),
    embeddedDb: e.EMBEDDED_DB,
    wsAuthToken: e.WS_AUTH_TOKEN,
    wsAllowedOrigins: e.WS_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    wsDelivery: e.WS_DELIVERY,
    wsHeartbeatMs: e.WS_HEARTBEAT_MS,
    wsMaxBufferedBytes: Math.round(e.WS_MAX_BUFFERED_MB * 1024 * 1024),
    wsMaxPayloadBytes: Math.round(e.WS_MAX_PAYLOAD_KB * 1024),
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    trustProxy: e.TRUST_PROXY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    corsOrigin: e.CORS_ORIGIN,
    logLevel: e.LOG_LEVEL,
    debugWebsocket: debugEnables(e.DEBUG, WEBSOCKET_DEBUG_NAMESPACE),
  };
}
