/**
 * A bounded LRU map with optional per-entry expiry, for isolate-level caches.
 * Module-level state in a Worker is shared by every request of the isolate, so every
 * cache here is bounded in entries and never holds per-request data.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, { value: V; expiresAt: number }>();

  constructor(private readonly max: number) {}

  /** The value, or undefined when absent or expired at `now`. */
  get(key: K, now: number = Date.now()): V | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.map.delete(key);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V, expiresAt = Number.POSITIVE_INFINITY): void {
    this.map.delete(key);
    this.map.set(key, { value, expiresAt });
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
