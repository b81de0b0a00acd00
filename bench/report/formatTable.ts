import { formatTarget, type Figure } from './BenchResults';

const verdict = (f: Figure) => (f.ok === undefined ? '' : f.ok ? 'yes' : 'NO');
const valueText = (f: Figure) => `${f.value} ${f.unit}`;

/** The figures as an aligned plain-text table: figure | value | target | ok. */
export function formatTable(figures: readonly Figure[]): string {
  const rows = [['figure', 'value', 'target', 'ok'], ...figures.map((f) => [f.label, valueText(f), formatTarget(f.target, f.unit), verdict(f)])];
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => [...r[col]].length)));
  const line = (r: string[]) => r.map((cell, col) => cell + ' '.repeat(widths[col] - [...cell].length)).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The figures as a Markdown table, with conditions in the last column. */
export function formatMarkdownTable(figures: readonly Figure[]): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const head = '| figure | value | target | ok | conditions |\n|---|---:|---|:-:|---|';
  const ok = (f: Figure) => (f.ok === undefined ? '' : f.ok ? '✅' : '❌');
  return [head, ...figures.map((f) => `| ${escape(f.label)} | ${escape(valueText(f))} | ${escape(formatTarget(f.target, f.unit))} | ${ok(f)} | ${escape(f.conditions)} |`)].join('\n');
}
