import type { ProcessResponse } from './ProcessResponse';

/** The closing summary: request, timings, analysis, and where each image was saved. */
export function printSummary(body: ProcessResponse, saved: Map<number, string>): void {
  console.log('\n📋 Result');
  console.log(`   request   ${body.requestId} (engine ${body.engine ?? '?'})`);
  console.log(`   time      ${body.totalTime} ms${body.timings ? ` — ${Object.entries(body.timings).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}` : ''}`);
  if (body.analysis?.summary) console.log(`   analysis  ${body.analysis.summary}`);
  if (body.analysis?.scores) console.log(`   scores    ${Object.entries(body.analysis.scores).map(([k, v]) => `${k} ${v}`).join(' · ')}`);
  for (const image of body.images ?? []) {
    console.log(`   image ${image.index}   ${image.error ? `❌ ${image.title ?? ''}: ${image.error}` : `${saved.get(image.index) ?? '(not saved)'}`}`);
  }
}
