/**
 * A watched log directory's images and GIF videos (PyTorch's `add_video`, Stable-Baselines3's
 * rollouts), logged into the plotter's media library as its runs' media: decode-image.ts reads
 * each back into frames with the plotter's ffmpeg, and the library encodes them as it does any
 * logged in the notebook (a GIF becomes an MP4 that plays and scrubs; files in the plotter's own
 * assets/, removed with it). One at a time, and only the last `keepLast` of each run's tag wait:
 * a backlog of thousands of images encodes only the ones that stay. docs/tensorboard.md.
 */
import { seriesKey } from '../../protocol';
import { decodeImage } from '../media/decode-image';
import type { VideoWriter } from '../media/video-writer';
import type { WriterSpec } from '../media/writer-session';

/** Where a watch's media go: the plotter's media library (only what the watch calls of it). */
export interface MediaSink {
  writer(spec: WriterSpec): VideoWriter;
}

export interface WatchedImage {
  run: string;
  tag: string;
  step: number;
  /** PNG, JPEG or GIF, as the event file holds it. */
  encoded: Uint8Array;
}

export class WatchedMedia {
  /** What waits to be encoded, by seriesKey of run and tag, by step. */
  private readonly waiting = new Map<string, WatchedImage[]>();
  private running: Promise<void> | null = null;
  private closed = false;
  /** Images and videos in the library so far. */
  shown = 0;

  constructor(
    private readonly media: MediaSink,
    /** Entries kept of each run's tag (the library retires older ones; older ones waiting are never encoded). */
    private readonly keepLast: number,
    /** An image that could not be shown: why, for the user. */
    private readonly onProblem: (message: string) => void
  ) {}

  /** Queues images read from the log directory; the encoding goes on in the background. */
  take(images: readonly WatchedImage[]): void {
    if (this.closed) return;
    for (const image of images) {
      if (!image.tag) continue;
      const key = seriesKey({ run: image.run, name: image.tag });
      // The same step again (a restarted run): the later one stands.
      const list = (this.waiting.get(key) ?? []).filter(i => i.step !== image.step);
      list.push(image);
      list.sort((a, b) => a.step - b.step);
      if (list.length > this.keepLast) list.splice(0, list.length - this.keepLast);
      this.waiting.set(key, list);
    }
    if (this.waiting.size) this.running ??= this.drain().finally(() => (this.running = null));
  }

  /** Settles once every image taken so far is in the library, or was said to be not shown. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Nothing more is encoded (an encode under way ends with the plotter, which owns its file). */
  close(): void {
    this.closed = true;
    this.waiting.clear();
  }

  private next(): WatchedImage | undefined {
    for (const [key, list] of this.waiting) {
      const image = list.shift();
      if (!list.length) this.waiting.delete(key);
      if (image) return image;
    }
    return undefined;
  }

  private async drain(): Promise<void> {
    for (let image = this.next(); image && !this.closed; image = this.next()) {
      try {
        if (await this.log(image)) this.shown++;
      } catch (err) {
        if (this.closed) return;
        this.onProblem(
          `the image "${image.tag}" of run ${image.run} at step ${image.step} is not shown: ${(err as Error).message}.`
        );
      }
    }
  }

  /** Decodes and encodes one image; false when the watch closed meanwhile. */
  private async log(image: WatchedImage): Promise<boolean> {
    const { width, height, fps, frames } = await decodeImage(image.encoded);
    if (this.closed) return false;
    const video = frames.length > 1;
    const writer = this.media.writer({
      kind: video ? 'video' : 'image',
      name: image.tag,
      run: image.run,
      step: image.step,
      fps: video ? fps : 1,
      keepLast: this.keepLast,
      width,
      height,
      channels: 4,
      progressFromFrames: Infinity,
      stableFrames: true,
      expectedFrames: frames.length
    });
    try {
      for (const frame of frames) await writer.write(frame);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    await writer.finish();
    return true;
  }
}
