/**
 * Fetching an IdP document (discovery, JWKS, certificates): bounded in time (3 s) and
 * size (512 KB), no credentials, JSON only. Anything else is a failure with a reason.
 */
export const FETCH_TIMEOUT_MS = 3000;
const MAX_BYTES = 512 * 1024;

export type FetchResult =
  | { ok: true; json: unknown; maxAgeSec: number | undefined }
  | { ok: false; error: string };

export async function fetchJson(url: string, fetcher: typeof fetch = fetch): Promise<FetchResult> {
  let res: Response;
  try {
    res = await fetcher(url, {
      headers: { accept: 'application/json' },
      redirect: 'follow',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (err) {
    return { ok: false, error: `${url} did not answer (${err instanceof Error ? err.name : 'error'})` };
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    return { ok: false, error: `${url} answered HTTP ${res.status}` };
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_BYTES) {
    await res.body?.cancel();
    return { ok: false, error: `${url} is larger than ${MAX_BYTES} bytes` };
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    return { ok: false, error: `${url} did not finish answering` };
  }
  if (text.length > MAX_BYTES) return { ok: false, error: `${url} is larger than ${MAX_BYTES} bytes` };
  try {
    const json: unknown = JSON.parse(text);
    const m = /max-age=([0-9]+)/.exec(res.headers.get('cache-control') ?? '');
    return { ok: true, json, maxAgeSec: m ? Number(m[1]) : undefined };
  } catch {
    return { ok: false, error: `${url} did not answer JSON` };
  }
}
