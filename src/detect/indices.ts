/** Moved to src/spectral/indices.ts (spectral primitives shared by embed and detect); this path re-exports it for now. */
export * from '../spectral/indices.ts';
