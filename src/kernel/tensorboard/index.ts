/**
 * `metrics-plotter/tensorboard`: TensorBoard's event files, written and read, without any Jupyter
 * code (a training script on a cluster node imports this and nothing else). docs/tensorboard.md.
 */
export { SummaryWriter, type SummaryWriterOptions } from './summary-writer';
export { readEventFile, type EventFileRead } from './event-file';
export type { TbEvent, TbValue, TbImage, TbHistogram } from './messages';
