/**
 * jsdom has no canvas and no matchMedia, and uPlot needs both to construct a chart. A 2D context
 * that records calls stands in for the canvas here; that charts really draw is proven in Chromium
 * by the end-to-end tests (test/e2e), where nothing is stubbed.
 */
type Recorded = { calls: Array<[string, unknown[]]> };

function fakeContext(canvas: HTMLCanvasElement): CanvasRenderingContext2D & Recorded {
  const state: Record<string | symbol, unknown> = { calls: [] };
  return new Proxy(state, {
    get(target, prop) {
      if (prop === 'canvas') return canvas;
      if (prop in target) return target[prop];
      if (prop === 'measureText')
        return (text: string) => ({ width: String(text).length * 6, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 });
      if (prop === 'getImageData')
        return (_x: number, _y: number, w: number, h: number) => ({
          width: w,
          height: h,
          data: new Uint8ClampedArray(w * h * 4)
        });
      return (...args: unknown[]) => {
        (target.calls as Recorded['calls']).push([String(prop), args]);
      };
    },
    set(target, prop, value) {
      target[prop] = value;
      return true;
    }
  }) as unknown as CanvasRenderingContext2D & Recorded;
}

const contexts = new WeakMap<HTMLCanvasElement, CanvasRenderingContext2D>();
Object.defineProperty(HTMLCanvasElement.prototype, 'getContext', {
  configurable: true,
  value(this: HTMLCanvasElement) {
    let ctx = contexts.get(this);
    if (!ctx) contexts.set(this, (ctx = fakeContext(this)));
    return ctx;
  }
});
Object.defineProperty(HTMLCanvasElement.prototype, 'toBlob', {
  configurable: true,
  value(this: HTMLCanvasElement, callback: (blob: Blob | null) => void, type = 'image/png') {
    callback(new Blob([`fake ${type} ${this.width}x${this.height}`], { type }));
  }
});

if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false
    }) as MediaQueryList;
}

if (typeof (globalThis as { Path2D?: unknown }).Path2D === 'undefined') {
  // uPlot builds its line paths as Path2D objects; record nothing, just accept the calls.
  (globalThis as { Path2D?: unknown }).Path2D = class {
    moveTo(): void {}
    lineTo(): void {}
    rect(): void {}
    arc(): void {}
    closePath(): void {}
    bezierCurveTo(): void {}
    addPath(): void {}
  };
}

if (typeof (globalThis as { DragEvent?: unknown }).DragEvent === 'undefined') {
  // @lumino/dragdrop subclasses DragEvent at import time; jsdom has none.
  (globalThis as { DragEvent?: unknown }).DragEvent = class DragEvent extends MouseEvent {};
}

// jsdom has no TextEncoder (every browser does): Node's is the same WHATWG encoder.
if (typeof globalThis.TextEncoder === 'undefined') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  globalThis.TextEncoder = require('util').TextEncoder;
}
