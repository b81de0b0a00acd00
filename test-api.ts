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
 *
 * This file is the CLI entry and `run`; the parts it runs live in scripts/testApi/, one job
 * per file.
 */
import path from 'node:path';
import type { ServerMessage } from './src/events/eventSchemas';
import { checkOutDir } from './scripts/testApi/checkOutDir';
import { createDeadline } from './scripts/testApi/createDeadline';
import { createTracker, type Tracker } from './scripts/testApi/createTracker';
import { EXIT, Failure } from './scripts/testApi/Failure';
import { openEventStream, type EventStream } from './scripts/testApi/openEventStream';
import { parseOptions } from './scripts/testApi/parseOptions';
import { postPhoto } from './scripts/testApi/postPhoto';
import { printSummary } from './scripts/testApi/printSummary';
import { readDotEnv } from './scripts/testApi/readDotEnv';
import { readPhoto } from './scripts/testApi/readPhoto';
import { resolveWsUrl } from './scripts/testApi/resolveWsUrl';
import { saveImage } from './scripts/testApi/saveImage';
import { USAGE } from './scripts/testApi/usage';
import { withinGrace } from './scripts/testApi/withinGrace';

export { parseOptions, readDotEnv };

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
      if (image.imageData && body.requestId && !track.saved.has(image.index) && !track.unsaved.has(image.index)) {
        const file = saveImage(options.outDir, body.requestId, { ...image, imageData: image.imageData });
        track.saved.set(image.index, file);
        console.warn(`⚠️  image ${image.index} came only with the HTTP response; saved ${file}`);
      }
    }
    printSummary(body, track.saved);
    if (track.unsaved.size > 0) {
      const [why] = track.unsaved.values();
      throw new Failure(`Processing succeeded, but ${track.unsaved.size} image(s) could not be saved in ${options.outDir}: ${why}`, EXIT.usage);
    }
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
