/** Moved to src/spectral/cover.ts (spectral primitives shared by embed and detect); this path re-exports it for now. */
export * from '../spectral/cover.ts';
