/**
 * Record-list cursors: opaque, tamper-evident and bounded (README → Records: lists reveal
 * nothing hidden). A cursor is the keyset position after which the next page starts,
 * sealed with AES-GCM under the workspace's own key (workspaces.cursor_key) and bound
 * (as additional data) to the workspace, the collection and the sort, so it cannot be
 * read, altered, or replayed on another list. It works for every sort value: absent,
 * any JSON type, any unicode; a long text value keeps a bounded prefix and the next
 * page reads the full value back from the row by id.
 */

import { MAX_CURSOR_LENGTH } from '../contract/records';
import { badRequest, unavailable } from '../lib/errors';
import { Lru } from '../lib/lru';

/** The keyset position: the sort key's type class and value, then the row id. */
export type Position = {
  /** 0 absent/null, 1 number/boolean, 2 text, 3 list/object (as JSON text). */
  k0: number;
  /** The sort value, or its prefix when `long`. */
  k1: number | string;
  id: string;
  /** k1 is a prefix of a longer text value (read the full one from row `id`). */
  long: boolean;
};

/** UTF-8 bytes of a text sort value kept in a cursor. */
export const MAX_CURSOR_TEXT_BYTES = 512;

const keys = new Lru<string, Promise<CryptoKey>>(512);

function keyFor(hex: string): Promise<CryptoKey> {
  // Every workspace gets a key at creation (and migration 0001 filled older ones).
  if (!/^[0-9a-f]{64}$/.test(hex)) throw unavailable('This workspace has no cursor key');
  let key = keys.get(hex);
  if (!key) {
    const raw = new Uint8Array(hex.match(/../g)?.map((h) => Number.parseInt(h, 16)) ?? []);
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    keys.set(hex, key);
  }
  return key;
}

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined;
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** A text value cut to at most MAX_CURSOR_TEXT_BYTES of UTF-8, on a code point boundary. */
function prefixOf(s: string): { text: string; long: boolean } {
  if (s.length * 3 <= MAX_CURSOR_TEXT_BYTES) return { text: s, long: false };
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const size = encoder.encode(ch).byteLength;
    if (bytes + size > MAX_CURSOR_TEXT_BYTES) return { text: s.slice(0, end), long: true };
    bytes += size;
    end += ch.length;
  }
  return { text: s, long: false };
}

export type CursorScope = { key: string; workspace: string; collection: string; sort: string };

const aad = (scope: CursorScope) =>
  encoder.encode(`${scope.workspace}\u0000${scope.collection}\u0000${scope.sort}`);

/** Seals the position after which the next page starts. */
export async function sealCursor(scope: CursorScope, at: Omit<Position, 'long'>): Promise<string> {
  let k1 = at.k1;
  let long = false;
  if (typeof k1 === 'string') ({ text: k1, long } = prefixOf(k1));
  const plain = encoder.encode(JSON.stringify([at.k0, k1, at.id, long ? 1 : 0]));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: aad(scope) },
      await keyFor(scope.key),
      plain,
    ),
  );
  const out = new Uint8Array(iv.byteLength + sealed.byteLength);
  out.set(iv, 0);
  out.set(sealed, iv.byteLength);
  return toBase64Url(out);
}

/** Opens a cursor; a cursor that was altered, is from another list, or is not one is a 400. */
export async function openCursor(scope: CursorScope, cursor: string): Promise<Position> {
  const invalid = () => badRequest('The cursor is not valid for this list');
  const bytes = cursor.length <= MAX_CURSOR_LENGTH ? fromBase64Url(cursor) : undefined;
  if (!bytes || bytes.byteLength < 12 + 16) throw invalid();
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: aad(scope) },
      await keyFor(scope.key),
      bytes.slice(12),
    );
  } catch {
    throw invalid();
  }
  const v: unknown = JSON.parse(new TextDecoder().decode(plain));
  if (
    !Array.isArray(v) ||
    v.length !== 4 ||
    typeof v[0] !== 'number' ||
    !(typeof v[1] === 'number' || typeof v[1] === 'string') ||
    typeof v[2] !== 'string'
  )
    throw invalid();
  return { k0: v[0], k1: v[1], id: v[2], long: v[3] === 1 };
}
