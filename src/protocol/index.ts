/**
 * src/protocol: the one contract between the kernel side (src/kernel) and the JupyterLab side
 * (src/lab), by message family; docs/protocol.md describes each, message by message.
 *
 *  1. kernel → frontend: a MIME bundle (display_data, then update_display_data on the same display
 *     id). Its JSON part is `PlotterPayload` (payload.ts), what a saved notebook keeps; its HTML
 *     part carries the stills (stills.ts).
 *  2. both ways: one comm per kernel connection of the extension (comm.ts): requests, replies,
 *     events, each read at the boundary.
 *  3. kernel → frontend: one Jupyter widget model per shown view (widget.ts).
 *
 * Runs and series keys (runs.ts) and the words every output says (messages.ts) are shared by all
 * three; so are, in their own modules, what every drawing shares (charts.ts), downsampling
 * (downsample.ts) and number formats (format.ts).
 */
export * from './runs';
export * from './payload';
export * from './stills';
export * from './comm';
export * from './widget';
export * from './messages';
export * from './histograms';
