/**
 * A bounded, deterministic sample of a stream of weighted items (a scene's chips, weighted by their
 * pixels). Each item is ranked by a hash of its key (keyRank); the sample is the longest run of items in
 * rank order whose weights together stay within the cap (at least the first item, whatever its weight).
 * It is a function of the keys and weights alone, so it does not depend on the order the items come in,
 * it is spread over the scene rather than taken from one corner, and every item is kept while the
 * stream's total weight is within the cap. At most the cap (plus one item) is held at any time.
 *
 * Written here rather than taken from a package: a reservoir sampler is random (or, seeded, depends on
 * the order of the stream), and the bookkeeping below is short.
 */

/**
 * An item's rank in the sample: FNV-1a (32 bit) of the key's UTF-16 code units, then MurmurHash3's
 * finaliser, so that keys differing in one character (neighbouring grid cells) land far apart.
 */
export function keyRank(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

interface Entry<T> {
  rank: number;
  key: string;
  seq: number;
  weight: number;
  item: T;
}

/** Whether a comes before b in rank order (rank, then key). */
function before(a: { rank: number; key: string }, b: { rank: number; key: string }): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.key < b.key);
}

/** The sample of a stream of items (see the module comment). */
export class BoundedSample<T> {
  /** Kept entries in rank order. */
  private readonly kept: Entry<T>[] = [];
  /** The first entry in rank order that was left out; every later one is left out too. */
  private horizon: { rank: number; key: string } | undefined;
  private held = 0;
  private offered = 0;
  private dropped = 0;

  /** @param cap Total weight the sample holds at most (besides its first item). */
  constructor(readonly cap: number) {
    if (!(cap > 0)) throw new RangeError(`sample cap is ${cap}; expected a positive number`);
  }

  /** Offers an item of the stream. */
  offer(key: string, weight: number, item: T): void {
    const e: Entry<T> = { rank: keyRank(key), key, seq: this.offered++, weight, item };
    if (this.horizon && !before(e, this.horizon)) {
      this.dropped++;
      return;
    }
    let lo = 0;
    let hi = this.kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(e, this.kept[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    this.kept.splice(lo, 0, e);
    this.held += weight;
    while (this.held > this.cap && this.kept.length > 1) {
      const last = this.kept.pop()!;
      this.held -= last.weight;
      this.horizon = last;
      this.dropped++;
    }
  }

  /** Items offered and left out. */
  get leftOut(): number {
    return this.dropped;
  }

  /** Total weight of the kept items. */
  get weight(): number {
    return this.held;
  }

  /** The kept items in rank order (which does not depend on the order they were offered in). */
  ranked(): T[] {
    return this.kept.map((e) => e.item);
  }

  /** The kept items, in the order they were offered. */
  items(): T[] {
    return [...this.kept].sort((a, b) => a.seq - b.seq).map((e) => e.item);
  }
}
