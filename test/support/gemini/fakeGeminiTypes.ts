/**
 * Types of the fake Gemini server (test/support/gemini/createFakeGeminiServer.ts).
 */

/** Whether a call asked for JSON/text (`text`) or for an image (`responseModalities` has IMAGE). */
export type FakeGeminiCallKind = 'text' | 'image';

/** One inline image the client sent. */
export interface FakeGeminiInputImage {
  mimeType: string;
  bytes: number;
  width?: number;
  height?: number;
}

/** Everything the server saw of one `generateContent` call, and what it did with it. */
export interface FakeGeminiCall {
  /** 1-based arrival order. */
  seq: number;
  model: string;
  kind: FakeGeminiCallKind;
  /** Request path as received, e.g. `/v1beta/models/gemini-3.8-flash:generateContent`. */
  path: string;
  /** `x-goog-api-key` header (or `?key=`). */
  apiKey?: string;
  /** All user text parts, joined by newlines. */
  prompt: string;
  systemInstruction?: string;
  images: FakeGeminiInputImage[];
  generationConfig: Record<string, unknown>;
  /** The parsed request body. */
  body: Record<string, unknown>;
  /** Arrival time, `performance.now()` ms (same clock as the test process). */
  startedAt: number;
  /** When the answer was fully sent or the client went away; undefined while in flight. */
  endedAt?: number;
  /** HTTP status sent; undefined when none was (hang, reset, client gone). */
  status?: number;
  outcome: 'pending' | 'answered' | 'fault' | 'aborted';
  /** The usageMetadata sent with a successful answer. */
  usage?: FakeGeminiUsage;
}

export interface FakeGeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  thoughtsTokenCount?: number;
}

/** A scripted misbehaviour. */
export type FakeGeminiFault =
  /** An HTTP error with Google's error body; `retryDelay` adds a google.rpc.RetryInfo ("2s"). */
  | { type: 'status'; status: number; statusText?: string; message?: string; retryDelay?: string; retryAfter?: string }
  /** Never answers (until the client aborts or the server closes). */
  | { type: 'hang' }
  /** 200 whose text part is not JSON. */
  | { type: 'malformedJson' }
  /** 200 whose text part is JSON of the wrong shape. */
  | { type: 'schemaMismatch' }
  /** 200 with `promptFeedback.blockReason: SAFETY` and no candidates. */
  | { type: 'safetyBlock' }
  /** 200 from the image model with only a text part. */
  | { type: 'noImage'; text?: string }
  /** 200 with one empty candidate stopped for `reason` (e.g. IMAGE_SAFETY, MAX_TOKENS). */
  | { type: 'finishReason'; reason: string }
  /** 200 whose body is not JSON at all. */
  | { type: 'malformedBody' }
  /** Destroys the connection without answering (a network error for the client). */
  | { type: 'reset' };

/**
 * A script rule. Rules are checked in the order they were added; for each call the first
 * matching rule that sets `latencyMs` gives the latency, and the first matching rule that
 * sets `fault` or `respond` decides the answer. A rule with `times` stops applying after
 * it has contributed to that many calls.
 */
export interface FakeGeminiRule {
  /** Only calls to this model. */
  model?: string;
  /** Only text or only image calls. */
  kind?: FakeGeminiCallKind;
  /** Only calls whose prompt (user text) contains this string. */
  promptIncludes?: string;
  /** Any other condition. */
  when?: (call: FakeGeminiCall) => boolean;
  times?: number;
  /** Wait before answering, ms. */
  latencyMs?: number;
  fault?: FakeGeminiFault;
  /** Replaces the default answer body (a full GenerateContentResponse JSON). */
  respond?: (call: FakeGeminiCall, defaultAnswer: Record<string, unknown>) => Record<string, unknown>;
}

/** Options of `createFakeGeminiServer`. */
export interface FakeGeminiServerOptions {
  /** When set, a call with another key gets Gemini's 400 API_KEY_INVALID. A missing key always gets 403. */
  apiKey?: string;
  /** Latency of every call without a rule giving one, ms. */
  latencyMs?: { text?: number; image?: number };
  /** Suggestions in the default analysis when neither the schema nor the prompt gives a count. */
  defaultSuggestionCount?: number;
  host?: string;
}

/** The running server and its script API. */
export interface FakeGeminiServer {
  /** Base URL for the SDK's `httpOptions.baseUrl` (GEMINI_BASE_URL), e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** Every call received so far, in arrival order (live objects: `endedAt` fills in later). */
  readonly calls: readonly FakeGeminiCall[];
  /** Calls in flight right now. */
  readonly inFlight: number;
  /** Adds a rule; returns a function that removes it. */
  addRule(rule: FakeGeminiRule): () => void;
  /** Makes every image call whose prompt contains `text` fail with `fault` (default: 500). */
  failImagesWhosePromptContains(text: string, fault?: FakeGeminiFault): () => void;
  /** Calls filtered by model and/or kind. */
  callsWhere(filter: { model?: string; kind?: FakeGeminiCallKind }): FakeGeminiCall[];
  /** Largest number of the filtered calls that were in flight at the same moment. */
  maxConcurrent(filter?: { model?: string; kind?: FakeGeminiCallKind }): number;
  /** Forgets calls and rules (not open connections). */
  reset(): void;
  /** Stops listening and destroys every socket, hanging calls included. Idempotent. */
  close(): Promise<void>;
}
