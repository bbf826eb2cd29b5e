// The CLI's instants (cli/src/instants.ts): `--since` for tail and export, and replay's
// --since/--until, are valid dates (±8.64e15 ms) or a usage error (exit 2) before anything is
// sent; every value the CLI does send is one the server's contract accepts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../cli/src/errors';
import { sinceStart, windowBound } from '../../cli/src/instants';
import { BodyInstantSchema, InstantSchema } from '../../src/contract';

const NOW = Date.UTC(2026, 11, 7, 22, 30);
const usageError = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof CliError && err.exitCode === 2;
  }
  return false;
};

describe('CLI instants', () => {
  it('--since durations: a valid start, or a usage error (never an out-of-range query)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
          fc.constantFrom('0', '100000000', '100000001', '99999999999999999999', '9'.repeat(400)),
        ),
        fc.constantFrom('s', 'm', 'h', 'd'),
        (n, unit) => {
          const text = `${n}${unit}`;
          const ms = Number(n) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[unit];
          if (NOW - ms >= -8.64e15) {
            const from = sinceStart(text, NOW);
            expect(InstantSchema.safeParse(String(from)).success).toBe(true);
            expect(new Date(from).toISOString()).toBeTypeOf('string');
          } else
            expect(
              usageError(() => sinceStart(text, NOW)),
              text,
            ).toBe(true);
        },
      ),
    );
    expect(sinceStart('10m', NOW)).toBe(NOW - 600_000);
    expect(usageError(() => sinceStart('10 minutes', NOW))).toBe(true);
  });

  it('replay --since/--until: what is sent is accepted by the contract, the rest is a usage error', () => {
    const text = fc.oneof(
      fc.constantFrom(
        '7d',
        '999999d',
        '8640000000000000',
        '8640000000000001',
        '9999999999999999',
        '9'.repeat(400),
        '+275760-09-13T00:00:00.000Z',
        '+275760-09-13T00:00:00.001Z',
        '-271821-04-19T23:59:59.999Z',
        '2026-12-07T20:00:00Z',
        'yesterday',
      ),
      fc.bigInt({ min: 8_639_999_999_999_000n, max: 8_640_000_000_001_000n }).map(String),
    );
    fc.assert(
      fc.property(text, (t) => {
        let sent: number | string | undefined;
        try {
          sent = windowBound('since', t);
        } catch (err) {
          expect(err instanceof CliError && err.exitCode === 2, String(err)).toBe(true);
          return;
        }
        expect(BodyInstantSchema.safeParse(sent).success, `${t} → ${sent}`).toBe(true);
      }),
    );
    expect(windowBound('since', '8640000000000000')).toBe(8.64e15);
    expect(usageError(() => windowBound('since', '8640000000000001'))).toBe(true);
    expect(usageError(() => windowBound('until', '+275760-09-13T00:00:00.001Z'))).toBe(true);
  });
});
