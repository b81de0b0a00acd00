/**
 * Closed-loop HTTP load: `POST /process-image` with one photo, `concurrency` requests in
 * flight until `requests` have finished. The multipart body is built once and reused.
 */
import fs from 'node:fs';
import http from 'node:http';

export interface RequestOutcome {
  status: number;
  /** Client-observed: first byte written → whole response read, ms. */
  clientMs: number;
  /** The server's `totalTime` (upload received → answer), ms. */
  serverMs?: number;
  timings?: Record<string, number>;
  /** `durationMs` of each image in index order. */
  imageMs?: number[];
  imagesGenerated?: number;
  responseBytes: number;
  errorCode?: string;
}

export interface HttpLoadResult {
  wallMs: number;
  outcomes: RequestOutcome[];
}

export interface HttpLoadArgs {
  /** Base URL of the HTTP server. */
  url: string;
  photoPath: string;
  requests: number;
  concurrency: number;
}

/** Runs the load and returns every request's outcome, in completion order. */
export async function runHttpLoad(args: HttpLoadArgs): Promise<HttpLoadResult> {
  const boundary = `----snatchshot-bench-${process.pid}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="bench.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    fs.readFileSync(args.photoPath),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: args.concurrency });
  const target = new URL('/process-image', args.url);
  const outcomes: RequestOutcome[] = [];
  let remaining = args.requests;
  const started = performance.now();
  const worker = async () => {
    while (remaining > 0) {
      remaining -= 1;
      outcomes.push(await postOnce(target, body, boundary, agent));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(args.concurrency, args.requests) }, worker));
  } finally {
    agent.destroy();
  }
  return { wallMs: performance.now() - started, outcomes };
}

function postOnce(target: URL, body: Buffer, boundary: string, agent: http.Agent): Promise<RequestOutcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const clientMs = performance.now() - started;
          const raw = Buffer.concat(chunks);
          resolve(readOutcome(res.statusCode ?? 0, clientMs, raw));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function readOutcome(status: number, clientMs: number, raw: Buffer): RequestOutcome {
  const outcome: RequestOutcome = { status, clientMs, responseBytes: raw.length };
  try {
    const json = JSON.parse(raw.toString('utf8')) as {
      totalTime?: string;
      timings?: Record<string, number>;
      images?: Array<{ durationMs?: number }>;
      imagesGenerated?: number;
      error?: { code?: string };
    };
    if (json.totalTime !== undefined) outcome.serverMs = Number(json.totalTime);
    outcome.timings = json.timings;
    outcome.imageMs = json.images?.map((image) => image.durationMs ?? Number.NaN);
    outcome.imagesGenerated = json.imagesGenerated;
    outcome.errorCode = json.error?.code;
  } catch {
    outcome.errorCode = 'UNREADABLE_RESPONSE';
  }
  return outcome;
}
