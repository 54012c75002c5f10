/** Demo data the project makes itself: a synthetic Sentinel-2-like series with events and ground truth. */
export { generateDemoSeries } from './generate.ts';
export { truthChips, type EventChips } from './truth.ts';
export { writeCog, encodeCog, type CogRaster, type CogOptions } from './cog-writer.ts';
export type { DemoEvent, DemoItem, DemoManifest, DemoOptions } from './types.ts';
