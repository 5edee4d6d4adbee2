/**
 * <mp-runs-table>: the runs of one plotter above its charts: each run's colour, name, status, the
 * config values that differ between runs (all of them on demand), and the last and best value of a
 * metric the user picks; sortable by any column, a visibility toggle per run, "only this run", and
 * a filter over run names. It shows what it is given; the panel owns which runs are hidden and
 * hears of changes by RUNS_VISIBILITY_EVENT.
 */
import { LitElement, html, nothing } from 'lit';
import { runLabel, runOf, type MetricSeries, type RunInfo } from '../../protocol';
import { formatConfigValue, formatMeanStd, formatNumber } from '../../protocol/format';
import { nameFilter } from '../name-filter';
import { allConfigKeys, differingConfigKeys } from './configs';
import { highlightEvent } from './run-highlight';
import { bestValue, meanOfLast } from './run-summaries';
import { BASELINE_PIN_EVENT } from '../baselines/baselines-table';
import { groupLastStats, type RunGroup } from './run-groups';

/** Sent (bubbling) with the set of run names to hide. */
export const RUNS_VISIBILITY_EVENT = 'mp-runs-visibility';

/** Rows the table shows before "Show all": a sweep of a hundred runs would push every chart off screen. */
export const ROWS_SHOWN = 25;

type SortKey = { column: 'name' | 'status' | 'last' | 'best' } | { column: 'config'; key: string };

/** A run's last and best value of one metric (best: the lowest or the highest). */
export function runStats(
  metrics: readonly MetricSeries[],
  run: string,
  metric: string,
  best: 'min' | 'max'
): { last: number | null; best: number | null } {
  const s = metrics.find(m => m.name === metric && runOf(m) === run);
  return s ? { last: meanOfLast(s.values, 1), best: bestValue(s.values, best) } : { last: null, best: null };
}

/** A loss or an error is best at its lowest; a return, a reward or an accuracy at its highest. */
export function bestOf(metric: string): 'min' | 'max' {
  return /loss|err|perplexity|regret|mse|mae|rmse|nll|cost|distance|time/i.test(metric) ? 'min' : 'max';
}

/** The "Best: lowest | highest" control of a metric's best value (the runs table's, the sweep view's). */
export function bestSelect(best: 'min' | 'max', choose: (best: 'min' | 'max') => void): unknown {
  return html`<label>Best
    <select aria-label="Best is the lowest or the highest value" @change=${(e: Event) => choose((e.target as HTMLSelectElement).value as 'min' | 'max')}>
      <option value="min" ?selected=${best === 'min'}>lowest</option>
      <option value="max" ?selected=${best === 'max'}>highest</option>
    </select></label>`;
}

export class RunsTable extends LitElement {
  static properties = {
    runs: { attribute: false },
    colors: { attribute: false },
    hiddenRuns: { attribute: false },
    metrics: { attribute: false },
    groups: { attribute: false },
    highlight: { attribute: false },
    canPin: { attribute: false },
    metric: { state: true },
    best: { state: true },
    sort: { state: true },
    descending: { state: true },
    filter: { state: true },
    allConfig: { state: true },
    allRows: { state: true }
  };

  runs: RunInfo[] = [];
  /** The colour each run is drawn in (grouped, its group's), by name. */
  colors: Map<string, string> = new Map();
  /** Names of the runs not drawn. */
  hiddenRuns: Set<string> = new Set();
  /** The series the last and best values come from. */
  metrics: MetricSeries[] = [];
  /** The runs' groups while the panel groups them (each with its colour): their mean ± std is listed. */
  groups: Array<RunGroup & { color: string }> = [];
  /** The run highlighted in every view (its row marked), or null. */
  highlight: string | null = null;
  /** The output is in a notebook that can keep baselines: each run gets a pin. */
  canPin = false;
  /** The metric of the last/best columns (default: the first). */
  metric: string | null = null;
  /** Whether the best value is the lowest or the highest; null: as the metric's name suggests (bestOf). */
  best: 'min' | 'max' | null = null;
  sort: SortKey = { column: 'name' };
  descending = false;
  filter = '';
  /** Every config key as a column, not only those that differ between runs. */
  allConfig = false;
  /** Every row, not the first ROWS_SHOWN (sorted and filtered as chosen). */
  allRows = false;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  private setHidden(hidden: Set<string>): void {
    this.dispatchEvent(new CustomEvent(RUNS_VISIBILITY_EVENT, { detail: hidden, bubbles: true, composed: true }));
  }

  private toggle(run: string, show: boolean): void {
    const hidden = new Set(this.hiddenRuns);
    if (show) hidden.delete(run);
    else hidden.add(run);
    this.setHidden(hidden);
  }

  /** Only this run is drawn; again on the only run shown, all are. */
  private only(run: string): void {
    const others = this.runs.map(r => r.name).filter(n => n !== run);
    const alone = !this.hiddenRuns.has(run) && others.every(n => this.hiddenRuns.has(n));
    this.setHidden(alone ? new Set() : new Set(others));
  }

  private sortBy(key: SortKey): void {
    const same = JSON.stringify(key) === JSON.stringify(this.sort);
    this.descending = same ? !this.descending : false;
    this.sort = key;
  }

  protected render(): unknown {
    const names = [...new Set(this.metrics.map(m => m.name))];
    const metric = this.metric !== null && names.includes(this.metric) ? this.metric : (names[0] ?? null);
    const best = this.best ?? (metric ? bestOf(metric) : 'min');
    const keys = this.allConfig ? allConfigKeys(this.runs) : differingConfigKeys(this.runs);
    const matches = nameFilter(this.filter);
    const rows = this.runs
      .filter(r => !this.filter || matches(runLabel(r.name)))
      .map(r => ({ run: r, ...(metric ? runStats(this.metrics, r.name, metric, best) : { last: null, best: null }) }));
    const value = (row: (typeof rows)[number]): string | number | boolean | null => {
      const s = this.sort;
      if (s.column === 'name') return runLabel(row.run.name);
      if (s.column === 'status') return row.run.status;
      if (s.column === 'config') return row.run.config[s.key] ?? null;
      return row[s.column];
    };
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      // Runs without a value sort last, whichever the direction.
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
      // Names in their natural order: "seed 2" before "seed 10".
      const c =
        typeof x === 'string' && typeof y === 'string'
          ? x.localeCompare(y, undefined, { numeric: true })
          : x < y
            ? -1
            : x > y
              ? 1
              : 0;
      return this.descending ? -c : c;
    });
    const header = (label: string, key: SortKey) => {
      const active = JSON.stringify(key) === JSON.stringify(this.sort);
      return html`<th aria-sort=${active ? (this.descending ? 'descending' : 'ascending') : 'none'}>
        <button class="mp-sort" @click=${() => this.sortBy(key)}>${label}${active ? (this.descending ? ' ▾' : ' ▴') : ''}</button>
      </th>`;
    };
    const cell = (v: string | number | boolean | undefined) => (v === undefined ? '' : formatConfigValue(v));
    return html`<div class="mp-runs" role="group" aria-label="Runs">
      <div class="mp-runs-controls">
        <input class="mp-filter" type="search" placeholder="Filter runs (text or regex)" aria-label="Filter runs"
          .value=${this.filter} @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)} />
        ${
          names.length
            ? html`<label>Metric
                <select aria-label="Metric of the last and best columns" @change=${(e: Event) => (this.metric = (e.target as HTMLSelectElement).value)}>
                  ${names.map(n => html`<option value=${n} ?selected=${n === metric}>${n}</option>`)}
                </select></label>
              ${bestSelect(best, b => (this.best = b))}`
            : nothing
        }
        <label><input type="checkbox" .checked=${this.allConfig}
          @change=${(e: Event) => (this.allConfig = (e.target as HTMLInputElement).checked)} /> All config columns</label>
        <button class="mp-button" data-action="all-runs" ?disabled=${this.hiddenRuns.size === 0} @click=${() => this.setHidden(new Set())}>Show all runs</button>
      </div>
      <table class="mp-runs-table">
        <thead><tr>
          <th><span class="mp-visually-hidden">Shown</span></th>
          ${header('Run', { column: 'name' })}
          ${header('Status', { column: 'status' })}
          ${keys.map(k => header(k, { column: 'config', key: k }))}
          ${metric ? html`${header(`${metric} (last)`, { column: 'last' })}${header(`${metric} (best)`, { column: 'best' })}` : nothing}
          <th><span class="mp-visually-hidden">Actions</span></th>
        </tr></thead>
        <tbody @mouseleave=${() => this.dispatchEvent(highlightEvent(null))}>
          ${(this.allRows ? rows : rows.slice(0, ROWS_SHOWN)).map(
            ({ run, last, best }) => html`<tr data-run=${run.name}
              class="${this.hiddenRuns.has(run.name) ? 'mp-run-hidden' : ''}${run.name === this.highlight ? ' mp-run-highlight' : ''}"
              @mouseenter=${() => this.dispatchEvent(highlightEvent(run.name))}>
              <td><input type="checkbox" aria-label="Show ${runLabel(run.name)}" .checked=${!this.hiddenRuns.has(run.name)}
                @change=${(e: Event) => this.toggle(run.name, (e.target as HTMLInputElement).checked)} /></td>
              <td class="mp-run-name"><span class="mp-swatch" style="background:${this.colors.get(run.name) ?? 'currentColor'}"></span>${runLabel(run.name)}</td>
              <td class="mp-run-status mp-run-${run.status}" title=${run.status === 'watched' ? 'Read from a log directory: whether its job still runs is not known' : nothing}>${run.status}</td>
              ${keys.map(k => html`<td>${cell(run.config[k])}</td>`)}
              ${metric ? html`<td>${formatNumber(last)}</td><td>${formatNumber(best)}</td>` : nothing}
              <td class="mp-run-actions"><button class="mp-button" data-action="only" title="Show only this run (again: all runs)" @click=${() => this.only(run.name)}>only</button>${
                this.canPin
                  ? html`<button class="mp-button" data-action="pin" title="Pin this run as a baseline, kept in the notebook"
                      aria-label="Pin ${runLabel(run.name)} as a baseline"
                      @click=${() => this.dispatchEvent(new CustomEvent(BASELINE_PIN_EVENT, { detail: run.name, bubbles: true, composed: true }))}>pin</button>`
                  : nothing
              }</td>
            </tr>`
          )}
        </tbody>
      </table>
      ${
        rows.length > ROWS_SHOWN
          ? html`<button class="mp-button mp-more-rows" data-action="all-rows" aria-expanded=${this.allRows ? 'true' : 'false'}
              @click=${() => (this.allRows = !this.allRows)}>${
                this.allRows ? `Show the first ${ROWS_SHOWN} rows` : `Show all ${rows.length} rows`
              }</button>
              ${
                this.allRows
                  ? nothing
                  : html`<span class="mp-hint">${ROWS_SHOWN} of ${rows.length} runs listed, in the table's order: sort or filter to bring others up</span>`
              }`
          : nothing
      }
      ${this.filter ? html`<span class="mp-hint" role="status">${rows.length} of ${this.runs.length} runs</span>` : nothing}
      ${
        this.groups.length && metric
          ? html`<table class="mp-groups-table" aria-label="Groups">
              <thead><tr><th>Group</th><th>Runs</th><th>${metric} (last): mean ± std</th></tr></thead>
              <tbody>
                ${this.groups.map(g => {
                  const stats = groupLastStats(this.metrics, g, metric);
                  return html`<tr data-group=${g.label}>
                    <td><span class="mp-swatch" style="background:${g.color}"></span>${g.label}</td>
                    <td>${g.runs.length}</td>
                    <td>${stats ? formatMeanStd(stats.mean, stats.std) : ''}</td>
                  </tr>`;
                })}
              </tbody>
            </table>`
          : nothing
      }
    </div>`;
  }
}

if (!customElements.get('mp-runs-table')) customElements.define('mp-runs-table', RunsTable);
