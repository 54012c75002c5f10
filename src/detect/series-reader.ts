/** Moved to src/imagery/series-folder.ts (detection reads no files); this path re-exports it for now. */
export * from '../imagery/series-folder.ts';
