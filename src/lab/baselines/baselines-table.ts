/**
 * <mp-baselines-table>: the notebook's baselines an output overlays: each one's colour, label,
 * the day it was pinned and the output it came from, its config, its last value of each metric this
 * output also has, a toggle to show it, and Unpin. It shows what it is given; the panel owns which
 * are hidden and writes the notebook's store (BASELINE_VISIBILITY_EVENT, BASELINE_UNPIN_EVENT).
 */
import { LitElement, html, nothing } from 'lit';
import { formatConfigValue, formatNumber } from '../../protocol/format';
import { lastFinite } from '../../protocol/chart-summary';
import { baselineColour, pinnedDay, type Baseline } from './baselines';

/** Sent (bubbling) with the set of baseline ids to hide. */
export const BASELINE_VISIBILITY_EVENT = 'mp-baseline-visibility';
/** Sent (bubbling) with the id of the baseline to unpin. */
export const BASELINE_UNPIN_EVENT = 'mp-baseline-unpin';
/** Sent (bubbling) with the name of the run to pin (the runs table's pin, the panel's for its default run). */
export const BASELINE_PIN_EVENT = 'mp-baseline-pin';

export class BaselinesTable extends LitElement {
  static properties = {
    baselines: { attribute: false },
    hiddenBaselines: { attribute: false },
    metricNames: { attribute: false }
  };

  /** Every baseline of the notebook, in pin order (their colour order). */
  baselines: Baseline[] = [];
  /** Ids of the baselines not drawn. */
  hiddenBaselines: Set<string> = new Set();
  /** The metrics this output has: a baseline's last values are listed for these. */
  metricNames: string[] = [];

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  private send(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private toggle(id: string, show: boolean): void {
    const hidden = new Set(this.hiddenBaselines);
    if (show) hidden.delete(id);
    else hidden.add(id);
    this.send(BASELINE_VISIBILITY_EVENT, hidden);
  }

  protected render(): unknown {
    const shared = this.metricNames.filter(n => this.baselines.some(b => b.series.some(s => s.name === n))).slice(0, 4);
    return html`<table class="mp-baselines-table" aria-label="Baselines pinned in this notebook">
      <caption>Baselines <span class="mp-hint">kept in this notebook (drawn dashed)</span></caption>
      <thead><tr>
        <th><span class="mp-visually-hidden">Shown</span></th>
        <th>Baseline</th><th>Pinned</th><th>From</th><th>Config</th>
        ${shared.map(n => html`<th>${n} (last)</th>`)}
        <th><span class="mp-visually-hidden">Unpin</span></th>
      </tr></thead>
      <tbody>
        ${this.baselines.map((b, i) => {
          const last = (name: string): number | null =>
            lastFinite(b.series.find(s => s.name === name)?.values ?? [])?.value ?? null;
          return html`<tr data-baseline=${b.id} class=${this.hiddenBaselines.has(b.id) ? 'mp-run-hidden' : ''}>
            <td><input type="checkbox" aria-label="Show baseline ${b.label}" .checked=${!this.hiddenBaselines.has(b.id)}
              @change=${(e: Event) => this.toggle(b.id, (e.target as HTMLInputElement).checked)} /></td>
            <td class="mp-run-name"><span class="mp-swatch mp-swatch-dashed" style="border-color:${baselineColour(i)}"></span>${b.label}</td>
            <td title=${b.pinnedAt}>${pinnedDay(b)}</td>
            <td>${b.from}</td>
            <td class="mp-baseline-config">${Object.entries(b.config)
              .map(([k, v]) => `${k}=${formatConfigValue(v)}`)
              .join(
                ', '
              )}${b.omittedMetrics ? html` <span class="mp-hint">(${b.omittedMetrics} metrics left out to fit)</span>` : nothing}</td>
            ${shared.map(n => html`<td>${formatNumber(last(n))}</td>`)}
            <td><button class="mp-button" data-action="unpin" title="Remove this baseline from the notebook"
              @click=${() => this.send(BASELINE_UNPIN_EVENT, b.id)}>Unpin</button></td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  }
}

if (!customElements.get('mp-baselines-table')) customElements.define('mp-baselines-table', BaselinesTable);
