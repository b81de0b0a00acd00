/**
 * A real HTTP server that speaks the Gemini REST protocol closely enough for `@google/genai`
 * (reached through `httpOptions.baseUrl` / GEMINI_BASE_URL): `POST /{version}/models/{model}:generateContent`
 * with the `x-goog-api-key` header, JSON bodies with inline image parts, text parts and
 * generationConfig, answered with Gemini-shaped responses and Google-shaped error bodies.
 *
 * By default it behaves like a healthy model: text calls get schema-valid JSON (settings,
 * or an analysis with the requested number of suggestions), image calls get a tinted JPEG of
 * the input. Rules (`addRule`) script latency and faults per model, kind, prompt or call.
 * Every call is recorded with start/end timestamps so tests can prove overlap or limits.
 *
 * Used by the engine tests, the pipeline tests and the benchmarks.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  fakeImageFor,
  fakeJsonAnswerFor,
  fakeResponseBody,
  fakeUsage,
} from './fakeGeminiAnswers';
import type {
  FakeGeminiCall,
  FakeGeminiCallKind,
  FakeGeminiFault,
  FakeGeminiRule,
  FakeGeminiServer,
  FakeGeminiServerOptions,
} from './fakeGeminiTypes';
import { describeCall, firstInlineData, readJson } from './parseGenerateContentRequest';
import { sendError, sendJson, statusName } from './sendGeminiResponse';

export type * from './fakeGeminiTypes';
export { FAKE_SUGGESTION_TITLES } from './fakeGeminiAnswers';

const ROUTE = /^\/(v1beta|v1|v1alpha)\/models\/([^/:]+):generateContent$/;

interface RuleState {
  rule: FakeGeminiRule;
  used: number;
}

/** Starts the fake on an ephemeral port (127.0.0.1:0). */
export async function createFakeGeminiServer(options: FakeGeminiServerOptions = {}): Promise<FakeGeminiServer> {
  const calls: FakeGeminiCall[] = [];
  let rules: RuleState[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing: Promise<void> | undefined;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) sendError(res, 500, 'INTERNAL', `fake server error: ${String(error)}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function applicable(call: FakeGeminiCall, rule: RuleState): boolean {
    const r = rule.rule;
    if (r.times !== undefined && rule.used >= r.times) return false;
    if (r.model !== undefined && r.model !== call.model) return false;
    if (r.kind !== undefined && r.kind !== call.kind) return false;
    if (r.promptIncludes !== undefined && !call.prompt.includes(r.promptIncludes)) return false;
    return r.when ? r.when(call) : true;
  }

  function plan(call: FakeGeminiCall): { latencyMs: number; answer?: RuleState } {
    const matching = rules.filter((r) => applicable(call, r));
    const latency = matching.find((r) => r.rule.latencyMs !== undefined);
    const answer = matching.find((r) => r.rule.fault !== undefined || r.rule.respond !== undefined);
    // A rule counts once per call even when it gave both latency and answer.
    for (const used of new Set([latency, answer])) if (used) used.used += 1;
    const fallback = call.kind === 'image' ? options.latencyMs?.image : options.latencyMs?.text;
    return { latencyMs: latency?.rule.latencyMs ?? fallback ?? 0, answer };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A scripted latency is the time to answer from the request's arrival, as a real upstream's
    // is: reading the body and making the answer happen within it, not after it.
    const arrivedAt = performance.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = ROUTE.exec(url.pathname);
    if (req.method !== 'POST' || !route) {
      req.resume();
      sendError(res, 404, 'NOT_FOUND', `fake Gemini: no route for ${req.method} ${url.pathname}`);
      return;
    }
    const body = await readJson(req);
    if (body === undefined) {
      sendError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
      return;
    }
    const call = await describeCall(req, url, decodeURIComponent(route[2]), body);
    call.seq = calls.length + 1;
    calls.push(call);
    res.on('close', () => {
      call.endedAt ??= performance.now();
      if (call.outcome === 'pending') call.outcome = 'aborted';
    });

    if (!call.apiKey) {
      sendError(res, 403, 'PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers. Please use API Key.', call);
      return;
    }
    if (options.apiKey !== undefined && call.apiKey !== options.apiKey) {
      // As Gemini does: a 400 whose ErrorInfo reason says what was wrong.
      const keyInvalid = { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' };
      sendError(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', call, [keyInvalid]);
      return;
    }

    const { latencyMs, answer } = plan(call);
    const fault = answer?.rule.fault;
    const made = fault ? undefined : defaultAnswerFor(call, body);
    made?.catch(() => undefined); // awaited below; not unhandled if the client leaves first
    const waitMs = latencyMs - (performance.now() - arrivedAt);
    if (waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, waitMs);
        timers.add(timer);
        res.once('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
          resolve();
        });
      });
      if (res.destroyed) return;
    }

    if (fault) {
      await sendFault(res, call, fault);
      return;
    }
    const defaultAnswer = await (made as Promise<Record<string, unknown>>);
    const responseBody = answer?.rule.respond ? answer.rule.respond(call, defaultAnswer) : defaultAnswer;
    call.usage = (responseBody.usageMetadata as FakeGeminiCall['usage']) ?? undefined;
    sendJson(res, 200, responseBody, call, 'answered');
  }

  async function defaultAnswerFor(call: FakeGeminiCall, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (call.kind === 'image') {
      const image = await fakeImageFor(call, firstInlineData(body)?.data);
      const parts = [{ text: 'Here is the edited photo.' }, { inlineData: { mimeType: 'image/jpeg', data: image.toString('base64') } }];
      return fakeResponseBody(call, parts, fakeUsage(call, { image: true, text: parts[0].text }));
    }
    const text = JSON.stringify(fakeJsonAnswerFor(call, options.defaultSuggestionCount ?? 4));
    return fakeResponseBody(call, [{ text }], fakeUsage(call, { text }));
  }

  async function sendFault(res: http.ServerResponse, call: FakeGeminiCall, fault: FakeGeminiFault): Promise<void> {
    switch (fault.type) {
      case 'status': {
        const details = fault.retryDelay
          ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: fault.retryDelay }]
          : undefined;
        const headers = fault.retryAfter ? { 'retry-after': fault.retryAfter } : undefined;
        sendError(res, fault.status, fault.statusText ?? statusName(fault.status), fault.message ?? `scripted ${fault.status}`, call, details, headers);
        return;
      }
      case 'hang':
        return; // keep the socket open; close() or the client's abort ends it
      case 'reset':
        call.outcome = 'fault';
        res.destroy();
        return;
      case 'malformedBody':
        call.outcome = 'fault';
        call.status = 200;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"candidates": [ {"content": ');
        return;
      case 'malformedJson':
        sendJson(res, 200, fakeResponseBody(call, [{ text: '{"aperture": "f/2.8", "shutter_speed": ' }], fakeUsage(call, { text: 'x' })), call, 'fault');
        return;
      case 'schemaMismatch': {
        const text = JSON.stringify({ verdict: 'nice photo', rating: 'eleven' });
        sendJson(res, 200, fakeResponseBody(call, [{ text }], fakeUsage(call, { text })), call, 'fault');
        return;
      }
      case 'safetyBlock':
        sendJson(res, 200, { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: fakeUsage(call, {}), modelVersion: call.model }, call, 'fault');
        return;
      case 'noImage': {
        const text = fault.text ?? 'I cannot edit this photo as requested.';
        sendJson(res, 200, fakeResponseBody(call, [{ text }], fakeUsage(call, { text })), call, 'fault');
        return;
      }
      case 'finishReason':
        sendJson(
          res,
          200,
          { candidates: [{ content: { role: 'model', parts: [] }, finishReason: fault.reason, index: 0 }], usageMetadata: fakeUsage(call, {}), modelVersion: call.model },
          call,
          'fault',
        );
        return;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  const filterCalls = (filter: { model?: string; kind?: FakeGeminiCallKind } = {}): FakeGeminiCall[] =>
    calls.filter((c) => (filter.model === undefined || c.model === filter.model) && (filter.kind === undefined || c.kind === filter.kind));

  const fake: FakeGeminiServer = {
    url: `http://${host}:${port}`,
    port,
    get calls() {
      return calls;
    },
    get inFlight() {
      return calls.filter((c) => c.endedAt === undefined).length;
    },
    addRule(rule) {
      const state: RuleState = { rule, used: 0 };
      rules.push(state);
      return () => {
        rules = rules.filter((r) => r !== state);
      };
    },
    failImagesWhosePromptContains(text, fault = { type: 'status', status: 500 }) {
      return fake.addRule({ kind: 'image', promptIncludes: text, fault });
    },
    callsWhere: filterCalls,
    maxConcurrent(filter) {
      const events = filterCalls(filter).flatMap((c) => [
        { at: c.startedAt, delta: 1 },
        { at: c.endedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
      ]);
      // Ends before starts at the same instant: touching intervals do not overlap.
      events.sort((a, b) => a.at - b.at || a.delta - b.delta);
      let current = 0;
      let max = 0;
      for (const e of events) {
        current += e.delta;
        max = Math.max(max, current);
      }
      return max;
    },
    reset() {
      calls.length = 0;
      rules = [];
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
  return fake;
}
