/** Moved to src/imagery/pair-folder.ts (detection reads no files); this path re-exports it for now. */
export * from '../imagery/pair-folder.ts';
export { readImageFile as readRaster } from '../imagery/image-file.ts';
