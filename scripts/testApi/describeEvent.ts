import type { PipelineMessage } from './PipelineMessage';

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
export function describeEvent(event: PipelineMessage): string {
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
