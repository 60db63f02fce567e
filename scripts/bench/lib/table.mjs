// The one results table.
const rows = [];

/**
 * Adds a row. `better`: 'higher' (ratio = edgesnap / reference, met if ≥ target)
 * or 'lower' (ratio = edgesnap / reference, met if ≤ target). `speedup` rows give
 * times: ratio = reference / edgesnap (how many times faster), met if ≥ target.
 */
export function addRow({ id, what, edgesnap, reference, unit, better = 'higher', target, note }) {
  const speedup = better === 'speedup';
  const ratio = speedup ? reference / edgesnap : edgesnap / reference;
  const ok = Number.isFinite(ratio) && (better === 'lower' ? ratio <= target : ratio >= target);
  rows.push({ id, what, edgesnap, reference, unit, ratio, target: `${better === 'lower' ? '≤' : '≥'} ${target}×`, ok, note });
}

/** A row that could not be measured. */
export function addFailedRow(id, what, err) {
  rows.push({ id, what, failed: err instanceof Error ? err.message.split('\n')[0].slice(0, 160) : String(err) });
}

function fmt(value, unit) {
  if (value === undefined) return '-';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

export function printTable(out = console.log) {
  const header = ['#', 'measure', 'edgesnap', 'reference', 'ratio', 'target', 'met'];
  const lines = rows.map((r) => r.failed
    ? [r.id, r.what, 'FAILED', r.failed, '-', '-', 'no']
    : [r.id, r.what, fmt(r.edgesnap, r.unit), fmt(r.reference, r.unit), `${r.ratio.toFixed(2)}×`, r.target, r.ok ? 'yes' : 'no']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  out(line(header));
  out(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) out(line(l));
  const notes = rows.filter((r) => r.note);
  if (notes.length > 0) out('');
  for (const r of notes) out(`[${r.id}] ${r.note}`);
}
