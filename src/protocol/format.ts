/**
 * How numbers are written wherever a person reads them: chart axes, hover values, the text
 * fallback. Metrics span every magnitude (a learning rate of 3e-4, a loss of 0.9998, 12,345
 * episodes, 2.1e9 environment steps), so a fixed number of decimals would print most of them as 0.
 */

const EXPONENT_BELOW = 1e-3;
const EXPONENT_FROM = 1e6;

function exponent(v: number, digits: number): string {
  return v
    .toExponential(digits)
    .replace(/\.?0+e/, 'e')
    .replace('e+', 'e');
}

// Number.toLocaleString builds a formatter on every call; charts label hundreds of numbers a frame.
const FIVE_DIGITS = new Intl.NumberFormat('en', { maximumSignificantDigits: 5 });
const WHOLE = new Intl.NumberFormat('en', { maximumFractionDigits: 20 });
const FIXED = Array.from(
  { length: 16 },
  (_, d) => new Intl.NumberFormat('en', { minimumFractionDigits: d, maximumFractionDigits: d })
);

/** One value, to five significant digits: 3e-4, 1.5e-7, 0.9998, 12,345, 2.1e9. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= EXPONENT_BELOW && a < EXPONENT_FROM) return FIVE_DIGITS.format(v);
  return exponent(v, 4);
}

/**
 * A mean and its spread as results are reported: the spread to two significant digits and the
 * mean to the same decimal place, "49 ± 27" or "0.482 ± 0.012" (not "49 ± 27.139"). A spread below
 * 0.001, or a million and more, is written as formatNumber writes each.
 */
export function formatMeanStd(mean: number, std: number): string {
  const a = Math.max(Math.abs(mean), std);
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std <= 0 || a >= EXPONENT_FROM || std < EXPONENT_BELOW) {
    return `${formatNumber(mean)} ± ${formatNumber(std)}`;
  }
  const decimals = Math.min(FIXED.length - 1, Math.max(0, 1 - Math.floor(Math.log10(std))));
  return `${FIXED[decimals].format(mean)} ± ${FIXED[decimals].format(std)}`;
}

/** A count or a training step, every digit: 299,999 (not 300,000), 1,234,567. */
export function formatCount(n: number): string {
  return WHOLE.format(n);
}

/** Round ticks (1, 2 or 5 × 10^k apart) from lo to hi, at most `count` + 1 of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const magnitude = 10 ** Math.floor(Math.log10((hi - lo) / (count + 1)));
  const step = [1, 2, 5, 10].map(f => f * magnitude).find(s => (hi - lo) / s <= count + 1) ?? 10 * magnitude;
  const ticks: number[] = [];
  // k × step, rounded to the step's digits: 0.6, not 0.6000000000000001.
  for (let k = Math.ceil(lo / step); k * step <= hi; k++) ticks.push(Number((k * step).toPrecision(12)) || 0);
  return ticks;
}

/**
 * Labels for a set of axis ticks: the fewest digits that still tell every tick apart, in the
 * notation the largest tick needs. Ticks never repeat a label.
 */
export function formatTicks(all: ReadonlyArray<number | null>): string[] {
  // A log axis leaves some tick positions unlabelled (null): they stay blank.
  const ticks = all.filter((t): t is number => t !== null && Number.isFinite(t));
  const finite = ticks;
  const largest = Math.max(0, ...finite.map(Math.abs));
  const distinct = (labels: string[]): boolean => new Set(labels).size === new Set(ticks).size;
  /** The labels back in the places of the ticks they name; blanks where a tick was null. */
  const place = (labels: string[]): string[] => {
    let i = 0;
    return all.map(t => (t !== null && Number.isFinite(t) ? labels[i++] : ''));
  };
  if (largest >= EXPONENT_BELOW && largest < EXPONENT_FROM) {
    const sorted = [...new Set(finite)].sort((a, b) => a - b);
    const gaps = sorted
      .slice(1)
      .map((x, i) => x - sorted[i])
      .filter(g => g > 0);
    const gap = gaps.length ? Math.min(...gaps) : largest;
    // Enough decimals that each label is its tick (0.25, not 0.3), and no two labels are the same.
    for (let d = Math.max(0, -Math.floor(Math.log10(gap))); d <= 15; d++) {
      const exact = ticks.every(t => Math.abs(Number(t.toFixed(d)) - t) <= gap * 1e-3);
      const labels = ticks.map(t => FIXED[d].format(t));
      if (exact && distinct(labels)) return place(labels);
    }
  }
  const gapOf = (xs: number[]): number =>
    Math.min(
      ...xs
        .slice(1)
        .map((x, i) => Math.abs(x - xs[i]))
        .filter(g => g > 0),
      largest
    );
  const gap = gapOf([...finite].sort((a, b) => a - b));
  for (let d = 0; d <= 15; d++) {
    const labels = ticks.map(t => (t === 0 ? '0' : exponent(t, d)));
    const exact = ticks.every(t => Math.abs(Number(t.toExponential(d)) - t) <= gap * 1e-3);
    if (exact && distinct(labels)) return place(labels);
  }
  return place(ticks.map(String));
}

/** A duration in seconds as a person reads it on a relative-time axis: 45s, 2m 30s, 3h 20m, 2d 4h. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const sign = seconds < 0 ? '−' : '';
  const s = Math.abs(seconds);
  if (s < 60) return `${sign}${Number(s.toFixed(s < 10 ? 1 : 0))}s`;
  const part = (n: number, unit: string, rest: number, restUnit: string): string =>
    `${sign}${n}${unit}${rest ? ` ${rest}${restUnit}` : ''}`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return part(m, 'm', Math.round(s - m * 60), 's');
  }
  if (s < 86400) {
    const h = Math.floor(s / 3600);
    return part(h, 'h', Math.round((s - h * 3600) / 60), 'm');
  }
  const d = Math.floor(s / 86400);
  return part(d, 'd', Math.round((s - d * 86400) / 3600), 'h');
}

/** A config value (a hyperparameter) as run labels, the runs table and the text fallback write it: lr=3e-4. */
export function formatConfigValue(v: number | string | boolean | undefined): string {
  return v === undefined ? '—' : typeof v === 'number' ? formatNumber(v) : String(v);
}

/** "1.5 MB", "820 kB": sizes as a file browser shows them. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
