/**
 * Finds rows whose username repeats an earlier row's, without keeping every username of a
 * million-row file in memory.
 *
 * Pass 1 records a 53-bit hash per row (8 bytes a row) and keeps only the hashes seen more than
 * once. Pass 2 remembers the exact username key of just the rows carrying such a hash, so
 * "duplicate of row N" is exact even when two different usernames share a hash.
 */
export class UsernameHashCollector {
  private hashes = new Float64Array(1024);
  private count = 0;

  add(usernameKey: string): void {
    if (this.count === this.hashes.length) {
      const grown = new Float64Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.count++] = hashUsername(usernameKey);
  }

  /** The hashes that occur more than once: usually none, always few. */
  repeatedHashes(): Set<number> {
    const sorted = this.hashes.subarray(0, this.count).sort();
    const repeated = new Set<number>();
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]);
    }
    this.hashes = new Float64Array(0);
    return repeated;
  }
}

export class DuplicateUsernameTracker {
  private readonly firstRowByKey = new Map<string, number>();

  constructor(private readonly repeatedHashes: ReadonlySet<number>) {}

  /** Returns the earlier row with the same username key, or undefined for the first one. */
  see(usernameKey: string, row: number): number | undefined {
    if (this.repeatedHashes.size === 0 || !this.repeatedHashes.has(hashUsername(usernameKey))) return undefined;
    const first = this.firstRowByKey.get(usernameKey);
    if (first !== undefined) return first;
    this.firstRowByKey.set(usernameKey, row);
    return undefined;
  }
}

/** cyrb53: a fast, well-distributed 53-bit string hash that fits a double exactly. */
export function hashUsername(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
