/**
 * The one canonical path every gateway adapter (forward-auth, ext_authz, the Lambda
 * authorizer, RPC) matches against the route map. A gateway and its upstream must
 * agree on which route a request is; where servers disagree on what a path means, it
 * is refused, never guessed (README → Gateways and standards).
 *
 * Normalization (RFC 3986 §6.2.2): the fragment is dropped and the query set aside;
 * percent-encoded unreserved characters (ALPHA DIGIT - . _ ~) are decoded, other
 * percent-encodings upper-cased; dot segments are resolved (clamped at the root, and a
 * trailing `.`/`..` leaves a trailing slash, as in RFC 3986 §5.2.4 and WHATWG URL);
 * the characters WHATWG URL percent-encodes in paths (" < > ` { }) are encoded.
 *
 * Refused (servers disagree on them): not starting with "/" (absolute-form, `*`); an
 * encoded "/" or "\" (%2F %5C), which some servers decode into a separator; a literal
 * "\", which WHATWG URL reads as "/"; ";" literal or encoded (path parameters, which
 * Tomcat-style servers strip); "%25" (an encoded "%", decoded twice by some stacks);
 * NUL and other control characters, spaces, raw non-ASCII bytes; invalid
 * percent-encoding or percent-encoded bytes that are not UTF-8 (overlong forms
 * included); empty segments ("//", which nginx merges and others keep), except a
 * trailing slash, which stays significant; a segment ending in "." or an encoded space
 * ("admin.", "admin%20", "..."), which IIS and other Windows-hosted servers trim
 * ("admin"), other than the dot segments "." and "..".
 *
 * Case: the path keeps its case; route-map literals compare ASCII-case-insensitively
 * (route-map.ts), since many upstream routers (Express by default, ASP.NET) ignore case.
 */

export type PathRefusal =
  | 'not_origin_form'
  | 'too_long'
  | 'control_character'
  | 'non_ascii'
  | 'backslash'
  | 'path_parameter'
  | 'encoded_separator'
  | 'encoded_percent'
  | 'invalid_percent_encoding'
  | 'invalid_utf8'
  | 'empty_segment'
  | 'trimmed_segment';

export type CanonicalPath =
  | {
      ok: true;
      /** "/" + segments joined: the normalized path, without query or fragment. */
      path: string;
      /** The path's segments after normalization (still percent-encoded where not unreserved). */
      segments: string[];
      /** The raw query after "?", or "" (not normalized; route maps ignore it). */
      query: string;
    }
  | { ok: false; refusal: PathRefusal; detail: string };

export const MAX_URI_LENGTH = 8192;

const HEX = '0123456789ABCDEF';
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const hexValue = (c: number) => (c <= 57 ? c - 48 : (c | 0x20) - 87);
/** RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
const isUnreserved = (b: number) =>
  (b >= 0x41 && b <= 0x5a) ||
  (b >= 0x61 && b <= 0x7a) ||
  (b >= 0x30 && b <= 0x39) ||
  b === 0x2d ||
  b === 0x2e ||
  b === 0x5f ||
  b === 0x7e;
/** Printable ASCII that WHATWG URL percent-encodes in a path. */
const WHATWG_ENCODED = new Set(['"', '<', '>', '`', '{', '}']);

const refuse = (refusal: PathRefusal, detail: string): CanonicalPath => ({ ok: false, refusal, detail });

/** Normalizes one segment; returns the refusal when the segment is one servers disagree on. */
function segmentOf(
  raw: string,
): { ok: true; segment: string } | { ok: false; refusal: PathRefusal; detail: string } {
  let out = '';
  let encoded = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    const c = raw.charCodeAt(i);
    if (c < 0x21 || c === 0x7f)
      return { ok: false, refusal: 'control_character', detail: 'a control character or space' };
    if (c > 0x7e) return { ok: false, refusal: 'non_ascii', detail: 'a raw non-ASCII character' };
    if (ch === '\\') return { ok: false, refusal: 'backslash', detail: 'a backslash' };
    if (ch === ';') return { ok: false, refusal: 'path_parameter', detail: 'a ";" path parameter' };
    if (ch !== '%') {
      out += WHATWG_ENCODED.has(ch) ? `%${HEX[c >> 4]}${HEX[c & 15]}` : ch;
      continue;
    }
    const h1 = raw.charCodeAt(i + 1);
    const h2 = raw.charCodeAt(i + 2);
    if (!isHex(h1) || !isHex(h2))
      return {
        ok: false,
        refusal: 'invalid_percent_encoding',
        detail: 'a "%" not followed by two hex digits',
      };
    const b = hexValue(h1) * 16 + hexValue(h2);
    i += 2;
    if (b === 0x2f || b === 0x5c)
      return { ok: false, refusal: 'encoded_separator', detail: 'an encoded "/" or "\\"' };
    if (b === 0x25)
      return { ok: false, refusal: 'encoded_percent', detail: 'an encoded "%" (double encoding)' };
    if (b === 0x3b) return { ok: false, refusal: 'path_parameter', detail: 'an encoded ";"' };
    if (b < 0x20 || b === 0x7f)
      return { ok: false, refusal: 'control_character', detail: 'an encoded control character' };
    if (isUnreserved(b)) out += String.fromCharCode(b);
    else {
      out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
      encoded = true;
    }
  }
  if (encoded) {
    // Percent-encoded bytes must form UTF-8 (decodeURIComponent refuses overlong forms,
    // surrogates and truncated sequences).
    try {
      decodeURIComponent(out);
    } catch {
      return { ok: false, refusal: 'invalid_utf8', detail: 'percent-encoded bytes that are not UTF-8' };
    }
  }
  return { ok: true, segment: out };
}

/** The canonical form of a request target ("/path?query#fragment"), or why it is refused. */
export function canonicalPath(target: string): CanonicalPath {
  if (target.length > MAX_URI_LENGTH) return refuse('too_long', `longer than ${MAX_URI_LENGTH} characters`);
  const hash = target.indexOf('#');
  const withoutFragment = hash < 0 ? target : target.slice(0, hash);
  const q = withoutFragment.indexOf('?');
  const rawPath = q < 0 ? withoutFragment : withoutFragment.slice(0, q);
  const query = q < 0 ? '' : withoutFragment.slice(q + 1);
  if (!rawPath.startsWith('/')) return refuse('not_origin_form', 'the path must start with "/"');
  const rawSegments = rawPath.slice(1).split('/');
  const out: string[] = [];
  for (let i = 0; i < rawSegments.length; i++) {
    const last = i === rawSegments.length - 1;
    const seg = segmentOf(rawSegments[i] as string);
    if (!seg.ok) return refuse(seg.refusal, `the path has ${seg.detail}`);
    const s = seg.segment;
    if (s === '' && !last) return refuse('empty_segment', 'the path has an empty segment ("//")');
    if (s !== '.' && s !== '..' && (s.endsWith('.') || s.endsWith('%20')))
      return refuse(
        'trimmed_segment',
        'the path has a segment ending in "." or a space, which Windows-hosted servers trim',
      );
    if (s === '.' || s === '..') {
      if (s === '..') out.pop();
      // A trailing dot segment leaves the directory: "/a/b/.." is "/a/".
      if (last) out.push('');
      continue;
    }
    out.push(s);
  }
  if (out.length === 0) out.push('');
  return { ok: true, path: `/${out.join('/')}`, segments: out, query };
}
