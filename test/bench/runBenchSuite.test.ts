/**
 * Keeps the benchmark harness from rotting: runs the whole suite at toy size (50 clients, one
 * pipeline run, a 640×480 photo) through real processes, and checks that every scenario ran
 * and produced well-formed results and outputs. Timings are not asserted: they are the
 * benchmark's business, and meaningless at this size.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { QUICK_BENCH } from '../../bench/BenchOptions';
import { meets, type BenchResults } from '../../bench/report/BenchResults';
import { formatTable } from '../../bench/report/formatTable';
import { writeBenchOutputs } from '../../bench/report/writeBenchOutputs';
import { runBenchSuite } from '../../bench/runBenchSuite';

const repoRoot = path.resolve(__dirname, '..', '..');

/** Every figure the suite reports, whatever the size of the run. */
const EXPECTED_IDS = [
  'pipeline.total_ms',
  'pipeline.critical_path_ratio',
  'pipeline.orchestration_ratio',
  'pipeline.serial_ms',
  'pipeline.speedup_vs_serial',
  'memory.rss_per_connection',
  'events.fanout_all_clients_ms',
  'events.server_us_per_client',
  'events.latency_p50',
  'events.latency_p99',
  'events.image_fanout_ms',
  'events.tcp_floor_us_per_socket',
  'events.fanout_all_clients_ms_before',
  'events.server_us_per_client_before',
  'events.latency_p50_before',
  'events.latency_p99_before',
  'memory.rss_at_rest',
  'memory.rss_after_first_request',
  'memory.rss_per_request',
  'throughput.rps_c1',
  'throughput.p50_c1',
  'throughput.p99_c1',
  'memory.rss_at_rest_external_couch',
  'memory.rss_after_first_request_external_couch',
  'memory.rss_per_request_external_couch',
  'throughput.rps_c1_before',
  'throughput.p50_c1_before',
  'throughput.p99_c1_before',
  'memory.rss_at_rest_before',
  'memory.rss_after_first_request_before',
  'memory.rss_per_request_before',
  'memory.rss_at_rest_external_couch_before',
  'memory.rss_after_first_request_external_couch_before',
  'memory.rss_per_request_external_couch_before',
];

describe('runBenchSuite (quick self-test)', () => {
  // Inside the repository (bench/tmp is git-ignored) so the built processes find node_modules.
  const workDir = path.join(repoRoot, 'bench', 'tmp', `jest-${process.pid}`);
  let results: BenchResults;

  beforeAll(async () => {
    results = await runBenchSuite({ options: QUICK_BENCH, repoRoot, workDir });
  }, 180_000);

  afterAll(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('runs every scenario without error and reports every figure once', () => {
    expect(results.errors).toEqual([]);
    const ids = results.figures.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...EXPECTED_IDS].sort());
  });

  it('gives every figure a finite value, a unit, conditions, and a verdict exactly when it has a target', () => {
    for (const f of results.figures) {
      expect(Number.isFinite(f.value)).toBe(true);
      expect(f.unit.length).toBeGreaterThan(0);
      expect(f.label.length).toBeGreaterThan(0);
      expect(f.conditions.length).toBeGreaterThan(0);
      expect(['pipeline', 'events', 'memory', 'throughput']).toContain(f.group);
      if (f.target) expect(f.ok).toBe(meets(f.value, f.target));
      else expect(f.ok).toBeUndefined();
    }
    const targeted = results.figures.filter((f) => f.target).map((f) => f.id);
    expect(targeted).toEqual(
      expect.arrayContaining(['pipeline.critical_path_ratio', 'pipeline.speedup_vs_serial', 'events.latency_p99', 'events.fanout_all_clients_ms', 'memory.rss_per_connection', 'memory.rss_at_rest', 'memory.rss_per_request']),
    );
  });

  it("measures memory after under start:prod's runtime with the database in a child process, and before under bare node with it in-process", () => {
    const byId = new Map(results.figures.map((f) => [f.id, f]));
    for (const id of ['memory.rss_at_rest', 'memory.rss_at_rest_external_couch']) {
      expect(byId.get(id)?.conditions).toContain('node --max-semi-space-size=1 --liftoff-only (start:prod)');
      expect(byId.get(`${id}_before`)?.conditions).toContain('bare node');
      expect(byId.get(`${id}_before`)?.target).toBeUndefined();
    }
    // The embedded database's own process is found and reported beside the service's RSS.
    expect(byId.get('memory.rss_at_rest')?.conditions).toMatch(/child processes \(the database\) [\d.]+ MB more/);
    expect(byId.get('memory.rss_at_rest_before')?.conditions).not.toContain('child processes');
  });

  it('records the conditions of the run', () => {
    const c = results.conditions;
    expect(c.mode).toBe('quick');
    expect(c.node).toBe(process.version);
    expect(c.cpus).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(c.date))).toBe(false);
    expect(results.durationMs).toBeGreaterThan(0);
  });

  it('writes results.json, a PNG chart and a Markdown table with every figure', async () => {
    const outDir = path.join(workDir, 'out');
    await writeBenchOutputs(results, { repoRoot, outDir });
    expect(JSON.parse(fs.readFileSync(path.join(outDir, 'results.json'), 'utf8'))).toEqual(results);
    const chart = await sharp(path.join(outDir, 'bench-chart.png')).metadata();
    expect(chart.format).toBe('png');
    expect(chart.width).toBeGreaterThan(800);
    const markdown = fs.readFileSync(path.join(outDir, 'benchmarks-results.md'), 'utf8');
    const table = formatTable(results.figures);
    for (const f of results.figures) {
      expect(markdown).toContain(f.label);
      expect(table).toContain(f.label);
    }
  });
});
