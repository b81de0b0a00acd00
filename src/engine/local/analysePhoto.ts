/**
 * AnalysisAgent for the local engine: scores, critique and `count` ranked edit suggestions,
 * as a pure function of the measurements and EXIF.
 */
import type { Analysis } from '../../domain/schemas';
import { classifyScene } from './classifyScene';
import { analyseExposure } from './exposureAnalysis';
import { pickSuggestions } from './pickSuggestions';
import type { PhotoMetrics } from './PhotoMetrics';
import type { ExifSummary } from '../../domain/readExif';
import { round } from './round';
import { scorePhoto } from './scorePhoto';
import { summarisePhoto } from './summarisePhoto';

/** The critique of the photo measured as `metrics`, with exactly `count` suggestions. */
export function analysePhoto(metrics: PhotoMetrics, exif: ExifSummary, count: number): Analysis {
  const exposure = analyseExposure(metrics, exif);
  const assessment = scorePhoto(metrics, exposure);
  const suggestions = pickSuggestions({ metrics, exposure }, count);
  return {
    summary: summarisePhoto(metrics, exposure, assessment.scores, suggestions.map((s) => s.title)),
    scores: assessment.scores,
    strengths: assessment.strengths,
    issues: assessment.issues,
    suggestions,
    metrics: {
      ...metrics,
      exposure: {
        correctionEv: round(exposure.correctionEv, 2),
        sceneEv: round(exposure.sceneEv, 2),
        sceneEvSource: exposure.sceneEvSource,
        ...(exposure.shotEv !== undefined ? { shotEv: round(exposure.shotEv, 2) } : {}),
      },
      scene: classifyScene(metrics, exif),
    },
  };
}
