/** The metric store: every point kept, and a resumed run (a step that goes back) drawn as the run now is. */
import { MetricsStore } from '../../src/kernel/metrics/store';

test('a step that goes back supersedes the points logged from that step on (a resumed run)', () => {
  const store = new MetricsStore();
  for (let s = 0; s <= 10; s++) store.add('loss', 10 - s, s);
  store.add('loss', 4.5, 5); // resumed from the checkpoint of step 5
  store.add('loss', 4.0, 6);
  const loss = store.series.get('loss')!;
  expect(loss.steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
  expect(loss.values).toEqual([10, 9, 8, 7, 6, 4.5, 4.0]);
  expect(store.stats()[0]).toMatchObject({ points: 7, last: 4, min: 4, max: 10 });
  expect(store.latestStep).toBe(6);
});

test('points without a step continue from the last step; a repeated step is kept (several values at one step)', () => {
  const store = new MetricsStore();
  store.add('reward', 1);
  store.add('reward', 2);
  store.add('reward', 5, 1);
  expect(store.series.get('reward')).toMatchObject({ steps: [0, 1, 1], values: [1, 2, 5] });
});
