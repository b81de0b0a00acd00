/**
 * The fake Gemini REST server of the tests (test/support/gemini), in its own process so its
 * work (JSON, a small JPEG per image answer) does not share the service's event loop.
 * Latencies come from the environment as JSON: `{ "textMs": 250, "imageMs": [1000, 1200, …] }`;
 * image i (by suggestion title) waits `imageMs[i]`.
 */
import { createFakeGeminiServer, FAKE_SUGGESTION_TITLES } from '../../test/support/gemini/createFakeGeminiServer';
import { reportStartFailure, serveRpc } from '../ipc/serveRpc';
import { FAKE_GEMINI_SCRIPT_ENV } from './processEnv';

/** What the fake announces when ready. */
export interface FakeGeminiInfo {
  url: string;
  apiKey: string;
}

/** The scripted latencies. */
export interface FakeGeminiScript {
  textMs: number;
  imageMs: number[];
}

const API_KEY = 'bench-key';

async function main(): Promise<void> {
  const script = JSON.parse(process.env[FAKE_GEMINI_SCRIPT_ENV] ?? '{"textMs":0,"imageMs":[]}') as FakeGeminiScript;
  if (script.imageMs.length > FAKE_SUGGESTION_TITLES.length) throw new Error(`at most ${FAKE_SUGGESTION_TITLES.length} image latencies`);
  const fake = await createFakeGeminiServer({ apiKey: API_KEY, latencyMs: { text: script.textMs, image: Math.max(0, ...script.imageMs) } });
  script.imageMs.forEach((latencyMs, i) => {
    // The image prompt quotes the suggestion's title, which says which image this is.
    fake.addRule({ kind: 'image', promptIncludes: FAKE_SUGGESTION_TITLES[i], latencyMs });
  });
  serveRpc(
    { url: fake.url, apiKey: API_KEY } satisfies FakeGeminiInfo,
    {
      /** Per call: kind, start/end (ms, this process's clock) — the measured critical path. */
      calls: () => fake.calls.map((c) => ({ kind: c.kind, startedAt: c.startedAt, endedAt: c.endedAt, outcome: c.outcome })),
      maxConcurrent: (args: { kind?: 'text' | 'image' }) => fake.maxConcurrent(args ?? {}),
    },
    () => fake.close(),
  );
}

// Only when forked as a benchmark process, never when imported.
if (require.main === module) main().catch(reportStartFailure);
