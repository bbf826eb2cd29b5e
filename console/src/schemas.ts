/**
 * The contract's published JSON Schemas (/schemas/*.json, generated from the zod contract
 * the Worker validates with), fetched once per page load from this origin: the editors'
 * completion and validation use exactly what the server accepts.
 */
const cache = new Map<string, Promise<object>>();

export function contractSchema(file: 'policy' | 'provider' | 'permissions' | 'routes'): Promise<object> {
  let hit = cache.get(file);
  if (!hit) {
    hit = fetch(`/schemas/${file}.json`).then((r) => {
      if (!r.ok) throw new Error(`/schemas/${file}.json answered ${r.status}`);
      return r.json() as Promise<object>;
    });
    hit.catch(() => cache.delete(file));
    cache.set(file, hit);
  }
  return hit;
}
