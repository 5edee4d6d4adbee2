/**
 * <mp-plotter-view>: the panel one plotter output shows. A title with the session's state, one
 * smoothing and one log-scale control for every chart, a chart per metric group, then the videos.
 * It renders what it is given (payload, session status, video states); the renderer feeds it.
 */
import { LitElement, html, nothing } from 'lit';
import type { PlotterPayload } from '../../protocol';
import { groupMetrics } from '../series';
import { failureText, statusLine, type ViewStatus } from '../view-status';
import type { VideoState } from './video-card';
import './metric-chart';
import './video-card';

export class PlotterView extends LitElement {
  static properties = {
    payload: { attribute: false },
    status: { attribute: false },
    videoStates: { attribute: false },
    smoothing: { state: true },
    logScale: { state: true }
  };

  payload: PlotterPayload | null = null;
  status: ViewStatus = { kind: 'live' };
  videoStates: Map<string, VideoState> = new Map();
  smoothing = 0;
  logScale = false;

  protected createRenderRoot(): HTMLElement {
    return this;
  }

  protected render(): unknown {
    const p = this.payload;
    if (!p) return nothing;
    const groups = groupMetrics(p.metrics);
    const failure = failureText(this.status);
    return html`
      <section class="mp-panel" data-state=${this.status.kind} aria-label="Metrics plotter ${p.title}">
        <header class="mp-header">
          <h3 class="mp-title">${p.title}</h3>
          <span class="mp-state mp-state-${this.status.kind}" role="status">${statusLine(this.status, p.videos.length)}</span>
        </header>
        ${failure ? html`<pre class="mp-failure" role="alert">${failure}</pre>` : nothing}
        ${
          groups.length
            ? html`<div class="mp-controls">
                <label>Smoothing
                  <input type="range" min="0" max="0.99" step="0.01" .value=${String(this.smoothing)}
                    @input=${(e: Event) => (this.smoothing = Number((e.target as HTMLInputElement).value))} aria-label="Smoothing" />
                  <output>${this.smoothing.toFixed(2)}</output>
                </label>
                <label><input type="checkbox" .checked=${this.logScale}
                  @change=${(e: Event) => (this.logScale = (e.target as HTMLInputElement).checked)} /> Log scale</label>
              </div>
              <div class="mp-charts">
                ${groups.map(g => html`<mp-metric-chart .group=${g} .smoothing=${this.smoothing} .logScale=${this.logScale}></mp-metric-chart>`)}
              </div>`
            : html`<div class="mp-empty">No metrics yet: call plotter.addScalar(name, value, step).</div>`
        }
        ${
          p.omittedMetrics
            ? html`<div class="mp-note" role="note">
              ${p.omittedMetrics.toLocaleString()} more metrics are recorded in the kernel but not shown: one output
              has a size budget, and these did not fit. Show fewer metrics per plotter (one plotter per group).
            </div>`
            : nothing
        }
        ${
          p.videos.length
            ? html`<div class="mp-videos">
              ${p.videos.map(v => html`<mp-video-card .video=${v} .state=${this.videoStates.get(v.path) ?? { kind: 'resolving' }}></mp-video-card>`)}
            </div>`
            : nothing
        }
      </section>
    `;
  }
}

if (!customElements.get('mp-plotter-view')) customElements.define('mp-plotter-view', PlotterView);
