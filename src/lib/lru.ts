/**
 * A bounded map with optional per-entry expiry, for isolate-level caches. Module-level
 * state in a Worker is shared by every request of the isolate, so every cache here is
 * bounded in entries and never holds per-request data.
 *
 * Eviction is CLOCK (second chance), an approximation of least-recently-used: a hit only
 * sets the entry's `used` bit, and when the map is full a hand walking the entries in
 * insertion order clears set bits and evicts the first entry whose bit is clear. A hit never deletes and re-inserts its key: in V8's Map that leaves the old slot
 * in the key's bucket chain until the table is next rehashed, so one key hit repeatedly
 * in a large map made every lookup walk thousands of dead slots (24 µs per hit at 10,000
 * entries, measured; BENCHMARKS.md → "Where the time goes").
 */
type Entry<V> = { value: V; expiresAt: number; used: boolean };

export class Lru<K, V> {
  private readonly map = new Map<K, Entry<V>>();
  private hand: MapIterator<[K, Entry<V>]> = this.map.entries();

  constructor(private readonly max: number) {}

  /** The value, or undefined when absent or expired at `now`. */
  get(key: K, now: number = Date.now()): V | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.map.delete(key);
      return undefined;
    }
    entry.used = true;
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (epoch ms); an existing key is updated in place. */
  set(key: K, value: V, expiresAt = Number.POSITIVE_INFINITY): void {
    const entry = this.map.get(key);
    if (entry) {
      entry.value = value;
      entry.expiresAt = expiresAt;
      entry.used = true;
      return;
    }
    // Evict first, so the entry being added is never the one the hand picks.
    if (this.map.size >= this.max) this.evictOne();
    this.map.set(key, { value, expiresAt, used: false });
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.hand = this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }

  /** Advances the hand to the first entry not read since the hand last passed, and evicts it. */
  private evictOne(): void {
    // Two passes at most: the first clears every bit it meets, so the second evicts.
    for (let steps = 0; steps <= 2 * this.map.size + 1; steps++) {
      let next = this.hand.next();
      if (next.done) {
        this.hand = this.map.entries();
        next = this.hand.next();
        if (next.done) return;
      }
      const [key, entry] = next.value;
      if (!entry.used) {
        this.map.delete(key);
        return;
      }
      entry.used = false;
    }
  }
}
