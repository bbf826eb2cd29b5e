/**
 * The instants the CLI sends: where `tail` and `export` start (`--since 10m`, back from now)
 * and replay's window (`--since`/`--until`: a span, ISO 8601 or epoch ms). Each is checked
 * against the contract's range (src/contract/instant.ts) here, so a flag that names no valid
 * date is a usage error (exit 2) and never reaches the server.
 */
import { durationMs, INSTANT_MESSAGE, instantMs, isInstant, SPAN } from '../../src/contract';
import { usage } from './errors';

/** `--since` for tail and export: "30s", "10m", "2h", "1d" back from `now`, as epoch ms. */
export function sinceStart(text: string, now: number): number {
  const ms = durationMs(text);
  if (ms === undefined) throw usage(`--since ${text}: a duration such as 30s, 10m, 2h or 1d`);
  const from = now - ms;
  if (!isInstant(from)) throw usage(`--since ${text}: reaches before the earliest date there is`);
  return from;
}

/** Replay's `--since`/`--until`: a span ("7d", "12h", "30m", resolved by the server), ISO 8601 or epoch ms. */
export function windowBound(flag: string, text: string): number | string {
  if (SPAN.test(text)) return text;
  const ms = instantMs(text);
  if (ms === undefined)
    throw usage(`--${flag} ${text}: ${INSTANT_MESSAGE}, or a span such as 7d, 12h or 30m`);
  return /^-?[0-9]+$/.test(text) ? ms : text;
}
