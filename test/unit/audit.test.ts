import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../src/audit/consumer';
import { redactContext } from '../../src/audit/event';
import { ROWS_PER_STATEMENT } from '../../src/audit/store';

describe('audit helpers', () => {
  it('chunks inserts under D1’s 100 bound parameters per statement', () => {
    expect(ROWS_PER_STATEMENT * 16).toBeLessThanOrEqual(100);
    expect(ROWS_PER_STATEMENT).toBeGreaterThanOrEqual(6);
  });
  it('backs off exponentially, capped at 5 minutes', () => {
    expect([1, 2, 3, 8, 20].map(retryDelaySeconds)).toEqual([2, 4, 8, 256, 300]);
  });
  it('redacts keys at any depth and caps large contexts', () => {
    expect(
      redactContext({ a: 1, secret: 's', n: { secret: 't', b: [{ secret: 'u' }] } }, ['secret']),
    ).toEqual({
      a: 1,
      secret: '[redacted]',
      n: { secret: '[redacted]', b: [{ secret: '[redacted]' }] },
    });
    expect(redactContext({ big: 'x'.repeat(10_000) }, [])).toEqual({
      _truncated: true,
      _bytes: expect.any(Number),
    });
  });
});
