/**
 * The shape of bench/results.json: every figure with its unit, target and verdict, and the
 * conditions it was measured under.
 */

/** A target a figure is held to, e.g. `{ op: '<=', value: 1.05 }`. */
export interface Target {
  op: '<' | '<=' | '>=' | '>';
  value: number;
}

export type FigureGroup = 'pipeline' | 'events' | 'memory' | 'throughput';

export interface Figure {
  /** Stable key, e.g. `events.latency_p99_1000`. */
  id: string;
  group: FigureGroup;
  /** What it is, in words. */
  label: string;
  value: number;
  unit: string;
  /** Absent for figures reported for context only. */
  target?: Target;
  /** Whether `value` meets `target`; absent without a target. */
  ok?: boolean;
  /** How it was measured: sample count, statistic, load. */
  conditions: string;
}

export interface BenchConditions {
  date: string;
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  totalMemoryMb: number;
  /** 1-minute load average when the run started (other work on the machine skews figures). */
  loadAverageAtStart: number;
  fdLimit?: { soft: number; hard: number };
  /** `quick` is the harness self-test, whose numbers mean nothing. */
  mode: 'full' | 'quick';
  notes: string[];
}

export interface BenchResults {
  schemaVersion: 1;
  conditions: BenchConditions;
  figures: Figure[];
  /** Scenarios that failed to run, with the error; their figures are missing. */
  errors: Array<{ scenario: string; error: string }>;
  durationMs: number;
}

/** Builds a figure and judges it against its target. */
export function figure(fields: Omit<Figure, 'ok'>): Figure {
  const { target, value } = fields;
  if (!target) return fields;
  return { ...fields, ok: Number.isFinite(value) && meets(value, target) };
}

/** Whether `value` satisfies `target`. */
export function meets(value: number, target: Target): boolean {
  switch (target.op) {
    case '<':
      return value < target.value;
    case '<=':
      return value <= target.value;
    case '>=':
      return value >= target.value;
    case '>':
      return value > target.value;
  }
}

/** `≤ 1.05 ratio`, `< 5 ms`. */
export function formatTarget(target: Target | undefined, unit: string): string {
  if (!target) return '—';
  const op = { '<': '<', '<=': '≤', '>=': '≥', '>': '>' }[target.op];
  return `${op} ${target.value} ${unit}`.trim();
}
