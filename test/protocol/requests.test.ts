/**
 * The kernel reads every request of a page at its boundary (readKernelRequest): what the extension
 * sends comes through as it is, anything else is refused (no answer) rather than coerced.
 */
import { readExtensionHello, readKernelRequest, readStills, stillImg, viewKey, type KernelRequest } from '../../src/protocol';

describe('readKernelRequest', () => {
  const good: KernelRequest[] = [
    { request: 'release', plotterId: 'p', viewId: 'v0' },
    { request: 'subscribe', plotterId: 'p', viewId: 'v0', points: 2400 },
    { request: 'subscribe', plotterId: 'p', viewId: 'v0', points: 2400, bundles: true },
    { request: 'unsubscribe', plotterId: 'p', viewId: 'v0' },
    { request: 'range', plotterId: 'p', axis: 'time', min: 0, max: 1500.5, points: 1200 },
    { request: 'range', plotterId: 'p', axis: 'step', min: -5, max: 10, points: 1200 },
    { request: 'media', plotterId: 'p', path: 'assets/metrics-plotter-1-ab/rollout.mp4', offset: 1048576 },
    { request: 'keep', plotterId: 'p', path: 'assets/metrics-plotter-1-ab/rollout.mp4' },
    { request: 'histograms', plotterId: 'p' }
  ];
  it.each(good.map(r => [r.request, r]))('reads a well-formed %s request as it was sent', (_, request) => {
    expect(readKernelRequest(JSON.parse(JSON.stringify(request)))).toEqual(request);
  });

  it.each([
    ['no object', null],
    ['a string', 'release'],
    ['no plotter id', { request: 'release', viewId: 'v0' }],
    ['a numeric plotter id', { request: 'release', plotterId: 1, viewId: 'v0' }],
    ['a release without a view', { request: 'release', plotterId: 'p' }],
    ['a subscribe without points', { request: 'subscribe', plotterId: 'p', viewId: 'v0' }],
    ['points as a string', { request: 'subscribe', plotterId: 'p', viewId: 'v0', points: '2400' }],
    ['a range without bounds', { request: 'range', plotterId: 'p', axis: 'step', points: 10 }],
    ['a range with NaN', { request: 'range', plotterId: 'p', axis: 'step', min: NaN, max: 1, points: 10 }],
    ['a media request without a path', { request: 'media', plotterId: 'p', offset: 0 }],
    ['a media request at a negative offset', { request: 'media', plotterId: 'p', path: 'a.mp4', offset: -1 }],
    ['a media request at a fractional offset', { request: 'media', plotterId: 'p', path: 'a.mp4', offset: 0.5 }],
    ['a keep request without a path', { request: 'keep', plotterId: 'p' }],
    ["a newer extension's request", { request: 'download', plotterId: 'p', viewId: 'v0' }]
  ])('refuses %s', (_, data) => {
    expect(readKernelRequest(data)).toBeNull();
  });

  it('reads bundles only as asked for in so many words: anything but true is no', () => {
    expect(readKernelRequest({ request: 'subscribe', plotterId: 'p', viewId: 'v0', points: 4, bundles: 'yes' })).toEqual({
      request: 'subscribe',
      plotterId: 'p',
      viewId: 'v0',
      points: 4
    });
  });

  it('reads an unknown axis as steps, the axis every chart has', () => {
    expect(readKernelRequest({ request: 'range', plotterId: 'p', axis: 'x', min: 0, max: 1, points: 4 })).toMatchObject({
      axis: 'step'
    });
  });
});

describe('readExtensionHello', () => {
  it('a page renders widget models only when it says so', () => {
    expect(readExtensionHello({ widgets: true })).toMatchObject({ widgets: true });
    expect(readExtensionHello({ widgets: 'yes' })).toMatchObject({ widgets: false });
    expect(readExtensionHello(undefined)).toMatchObject({ widgets: false });
  });

  it('a page takes binary frames unless it says it cannot (older pages say nothing and always took them)', () => {
    expect(readExtensionHello({ widgets: true, binary: false })).toEqual({ widgets: true, binary: false });
    expect(readExtensionHello({ widgets: true })).toEqual({ widgets: true, binary: true });
    expect(readExtensionHello(undefined)).toEqual({ widgets: false, binary: true });
  });
});

describe('viewKey', () => {
  it('tells apart the same view in two processes of one kernel (a restart keeps the id)', () => {
    const view = { plotterId: 'p', viewId: 'v0', kernel: { id: 'k', pid: 1, cwd: '/nb' } };
    expect(viewKey(view)).not.toBe(viewKey({ ...view, kernel: { ...view.kernel, pid: 2 } }));
  });
});

describe('readStills', () => {
  it('reads back every still the HTML part wrote, by media series key (names that need escaping too)', () => {
    const html = `<div>${stillImg('rollout', 149, 'AAAA', 120, 80, 'Still of rollout')}${stillImg('seed="1"\u0000a&b', -3, 'BB+/=', 64, 64, 'x')}</div>`;
    expect([...readStills(html)]).toEqual([
      ['rollout', { step: 149, src: 'data:image/jpeg;base64,AAAA' }],
      ['seed="1"\u0000a&b', { step: -3, src: 'data:image/jpeg;base64,BB+/=' }]
    ]);
  });

  it('reads nothing from anything else: no HTML part, other images, a script in a data: URL', () => {
    expect(readStills(undefined).size).toBe(0);
    expect(readStills('<img src="data:image/jpeg;base64,AAAA">').size).toBe(0);
    expect(readStills('<img data-mp-still="a" data-mp-step="1" src="data:text/html;base64,PHNjcmlwdD4=">').size).toBe(0);
    expect(readStills('<img data-mp-still="a" data-mp-step="1" src="javascript:alert(1)">').size).toBe(0);
  });
});
