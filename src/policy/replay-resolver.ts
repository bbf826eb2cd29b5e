/**
 * Resolving attributes against a stored (redacted, bounded) decision input instead of a
 * live request. A value the audit replaced by a marker — `{ "$redacted": true }`, a
 * `{ "$truncated": … }` object, a list whose tail was cut, an object whose keys were
 * cut — is not known here: it reads as UNKNOWN (the condition is then indeterminate,
 * never guessed), and `touchedMarker` says the decision depended on one.
 */
import { AttributeResolver, UNKNOWN } from './attributes';

function isMarker(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return (v as { $redacted?: unknown }).$redacted === true || Object.hasOwn(v, '$truncated');
}

/** Whether a value read whole holds a marker where the audit cut or hid something. */
const hidesSomething = (v: unknown) => isMarker(v) || (Array.isArray(v) && v.some(isMarker));

export class ReplayResolver extends AttributeResolver {
  /** Set when any attribute read hit a marker: the replayed answer is then a guess. */
  touchedMarker = false;

  private unknown(): typeof UNKNOWN {
    this.touchedMarker = true;
    return UNKNOWN;
  }

  override get(path: readonly string[]): unknown {
    const root = path[0] as string;
    let value: unknown;
    if (root === 'request_metadata') value = this.input.context;
    else if (root === 'record') value = this.input.record;
    else if (root.startsWith('ext_') || root === 'sub' || root === 'issuer' || root === 'provider') {
      const attributes = this.input.attributes;
      if (!Object.hasOwn(attributes, root)) return isMarker(attributes) ? this.unknown() : undefined;
      value = attributes[root];
    } else {
      // resource, action, ip (null in the event: unknown, as it was) and the clock.
      return super.get(path);
    }
    for (let i = 1; i < path.length; i++) {
      if (isMarker(value) && !Object.hasOwn(value as object, path[i] as string)) return this.unknown();
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      const seg = path[i] as string;
      value = Object.hasOwn(value, seg) ? (value as Record<string, unknown>)[seg] : undefined;
    }
    return hidesSomething(value) ? this.unknown() : value;
  }
}
