import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/lib/lru';

describe('Lru (CLOCK eviction)', () => {
  it('never holds more than its bound', () => {
    const lru = new Lru<number, number>(100);
    for (let i = 0; i < 1000; i++) lru.set(i, i);
    expect(lru.size).toBe(100);
  });

  it('keeps entries read since the hand last passed and evicts the unread ones', () => {
    const lru = new Lru<string, number>(4);
    for (const k of ['a', 'b', 'c', 'd']) lru.set(k, 1);
    lru.get('a');
    lru.get('c');
    lru.set('e', 1);
    lru.set('f', 1);
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(1);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('d')).toBeUndefined();
    expect(lru.size).toBe(4);
  });

  it('a key read on every request survives a stream of one-off keys many times its bound', () => {
    const lru = new Lru<string, number>(50);
    lru.set('hot', 42);
    for (let i = 0; i < 5000; i++) {
      expect(lru.get('hot')).toBe(42);
      lru.set(`cold-${i}`, i);
    }
    expect(lru.size).toBe(50);
  });

  it('evicts even when every entry has been read (the hand clears bits, then evicts)', () => {
    const lru = new Lru<number, number>(3);
    for (let i = 0; i < 3; i++) lru.set(i, i);
    for (let i = 0; i < 3; i++) lru.get(i);
    lru.set(3, 3);
    expect(lru.size).toBe(3);
    expect(lru.get(3)).toBe(3);
  });

  it('an expired entry is absent and removed; a live one is returned until its expiry', () => {
    const lru = new Lru<string, string>(10);
    lru.set('k', 'v', 1000);
    expect(lru.get('k', 999)).toBe('v');
    expect(lru.get('k', 1000)).toBeUndefined();
    expect(lru.size).toBe(0);
  });

  it('set on an existing key replaces value and expiry in place', () => {
    const lru = new Lru<string, string>(2);
    lru.set('k', 'old', 100);
    lru.set('k', 'new', 500);
    expect(lru.size).toBe(1);
    expect(lru.get('k', 200)).toBe('new');
  });

  it('delete and clear remove entries, and the cache keeps working after clear', () => {
    const lru = new Lru<number, number>(2);
    lru.set(1, 1);
    lru.set(2, 2);
    lru.delete(1);
    expect(lru.get(1)).toBeUndefined();
    lru.clear();
    expect(lru.size).toBe(0);
    for (let i = 0; i < 10; i++) lru.set(i, i);
    expect(lru.size).toBe(2);
    expect(lru.get(9)).toBe(9);
  });
});
