/**
 * The widget contract both sides share: the module version a kernel asks for is the version the
 * extension registers (the package's own), and a display bundle names a model only with a model id.
 */
import * as fs from 'fs';
import * as path from 'path';
import { WIDGET_MODULE, WIDGET_MODULE_VERSION, WIDGET_VIEW_MIME_TYPE, widgetModelId, widgetState } from '../../src/protocol';
import type { PlotterPayload } from '../../src/protocol';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));

test('the widget module is this package, at its version', () => {
  expect(WIDGET_MODULE).toBe(pkg.name);
  expect(WIDGET_MODULE_VERSION).toBe(pkg.version);
  const state = widgetState({ plotterId: 'p' } as PlotterPayload);
  expect(state._model_module_version).toBe(`^${pkg.version}`);
  expect(state._view_module_version).toBe(`^${pkg.version}`);
});

test('a display bundle names a model only with a non-empty model id', () => {
  expect(widgetModelId({ [WIDGET_VIEW_MIME_TYPE]: { model_id: 'abc', version_major: 2, version_minor: 1 } })).toBe('abc');
  // ipywidgets empties model_id when a view is closed: nothing is named then.
  expect(widgetModelId({ [WIDGET_VIEW_MIME_TYPE]: { model_id: '' } })).toBeNull();
  expect(widgetModelId({})).toBeNull();
  expect(widgetModelId({ [WIDGET_VIEW_MIME_TYPE]: 'nonsense' })).toBeNull();
});
