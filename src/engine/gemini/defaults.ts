/**
 * Defaults of the Gemini engine. The service config imports these so that `.env.example`,
 * docs/gemini.md and the code name the same values. Model choice and prices: docs/gemini.md.
 */

/** Text+vision model for ContentAgent and AnalysisAgent (GA Flash, structured output). */
export const DEFAULT_GEMINI_TEXT_MODEL = 'gemini-3.8-flash';

/** Image model that edits the uploaded photo, one call per suggestion ("Nano Banana 2.1"). */
export const DEFAULT_GEMINI_IMAGE_MODEL = 'gemini-nano-banana-2.1';

/** Per-attempt deadline. Image edits with thinking usually take 10–30 s; 90 s leaves headroom. */
export const DEFAULT_GEMINI_TIMEOUT_MS = 90_000;

/** Retries after the first attempt, on 408/429/5xx and network errors. */
export const DEFAULT_GEMINI_MAX_RETRIES = 3;

/**
 * Upstream calls in flight at once, per engine (that is, per process). One request makes two
 * analysis calls and then IMAGE_COUNT image calls, so 8 lets one request's four images run
 * fully in parallel while a second request's analyses proceed; more calls queue.
 */
export const DEFAULT_GEMINI_MAX_CONCURRENCY = 8;

/** First back-off step; the wait after failed attempt n is a random time in [0, min(max, base·2ⁿ⁻¹)] (full jitter). */
export const DEFAULT_GEMINI_RETRY_BASE_DELAY_MS = 500;

/** Cap of one back-off wait. */
export const DEFAULT_GEMINI_RETRY_MAX_DELAY_MS = 20_000;

/**
 * Longest server-requested wait (RetryInfo / Retry-After) the engine will sit out. A longer
 * one means the quota is gone for a while: failing now beats holding the HTTP request open.
 */
export const DEFAULT_GEMINI_MAX_SERVER_RETRY_DELAY_MS = 30_000;

/** Uploads are downscaled to this longest edge (JPEG) before being sent, to cut input tokens. */
export const DEFAULT_GEMINI_INPUT_MAX_EDGE = 1536;

/**
 * Largest generated image passed on, in bytes, when the engine is not given limits. The
 * service passes MAX_UPLOAD_MB (an image it would refuse as an upload is not sent to clients
 * either); this equals its default.
 */
export const DEFAULT_GEMINI_MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/** Largest generated image passed on, in pixels; the service passes MAX_IMAGE_PIXELS (this is its default). */
export const DEFAULT_GEMINI_MAX_IMAGE_PIXELS = 100_000_000;
