import { chartSvg } from '../../bench/report/renderChart';
import { figure, type BenchResults } from '../../bench/report/BenchResults';

function resultsWith(figures: BenchResults['figures']): BenchResults {
  return {
    schemaVersion: 1,
    conditions: { date: '2026-11-22T00:00:00.000Z', node: 'v20', platform: 'Linux', cpus: 2, cpuModel: 'cpu', totalMemoryMb: 1, loadAverageAtStart: 0, mode: 'full', notes: [] },
    figures,
    errors: [],
    durationMs: 1,
  };
}

describe('chartSvg', () => {
  it("draws a figure's before-the-fix value from the same run beside it", () => {
    const svg = chartSvg(
      resultsWith([
        figure({ id: 'memory.rss_at_rest', group: 'memory', label: 'RSS at rest', value: 72, unit: 'MB', target: { op: '<', value: 80 }, conditions: 'after' }),
        figure({ id: 'memory.rss_at_rest_before', group: 'memory', label: 'RSS at rest — before', value: 115, unit: 'MB', conditions: 'before' }),
      ]),
    );
    expect(svg).toContain('72 MB  (target &lt; 80 MB; before 115 MB)');
    expect(svg).toContain('stroke-dasharray="4 3"');
    // The before figure has no target, so it gets no bar of its own.
    expect(svg).not.toContain('>RSS at rest — before<');
  });

  it('widens the canvas so a long value label is not cut at the edge', () => {
    const long = chartSvg(
      resultsWith([
        figure({ id: 'memory.rss_per_request', group: 'memory', label: 'Extra RSS per request', value: 19.53, unit: 'MB', target: { op: '<', value: 25 }, conditions: 'after' }),
        figure({ id: 'memory.rss_per_request_before', group: 'memory', label: 'before', value: 54.82, unit: 'MB', conditions: 'before' }),
      ]),
    );
    const short = chartSvg(resultsWith([figure({ id: 'memory.rss_at_rest', group: 'memory', label: 'RSS', value: 7, unit: 'MB', target: { op: '<', value: 80 }, conditions: 'c' })]));
    const widthOf = (svg: string) => Number(/<svg [^>]*width="(\d+)"/.exec(svg)?.[1]);
    expect(widthOf(short)).toBe(1320);
    // The before outline runs to the 200 % edge; its label starts there and must fit.
    const labelText = '19.53 MB  (target &lt; 25 MB; before 54.82 MB)';
    expect(long).toContain(labelText);
    expect(widthOf(long)).toBeGreaterThan(520 + 520 + 8 + '19.53 MB  (target < 25 MB; before 54.82 MB)'.length * 7.4);
  });

  it('draws no outline for a figure measured once', () => {
    const svg = chartSvg(resultsWith([figure({ id: 'events.latency_p99', group: 'events', label: 'p99', value: 9, unit: 'ms', target: { op: '<', value: 5 }, conditions: 'c' })]));
    expect(svg).not.toContain('stroke-dasharray="4 3"');
    expect(svg).not.toContain('; before ');
  });
});
