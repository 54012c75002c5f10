/** The minimum mapping unit: pixel groups smaller than it make no alert and no outline. */
import { InputError } from '../errors.ts';

/** Default minimum mapping unit, in hectares: 10 Sentinel-2 pixels. */
export const DEFAULT_MMU_HA = 0.1;

/** Pixels a group needs to reach the minimum mapping unit (0 keeps every group). */
export function mmuPixels(mmuHa: number, resolutionM: number): number {
  if (!(mmuHa >= 0) || !Number.isFinite(mmuHa)) {
    throw new InputError(`minimum mapping unit ${mmuHa} ha is not a finite number ≥ 0`);
  }
  return Math.max(0, Math.ceil((mmuHa * 10_000) / resolutionM ** 2 - 1e-9));
}
