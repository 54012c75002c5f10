/** Moved to src/spectral/robust.ts (spectral primitives shared by embed and detect); this path re-exports it for now. */
export * from '../spectral/robust.ts';
