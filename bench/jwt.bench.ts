// JWT verification cost per algorithm, Verdict's verifyToken (cold key: import on every
// call; warm key: imported key cached) against raw crypto.subtle.verify on the same
// bytes, in the same process.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { forgetKeys, type KeyDeps } from '../src/identity/jwks-cache';
import type { Provider } from '../src/identity/provider-schema';
import { verifyToken } from '../src/identity/verify-token';
import { fmt, measure } from './lib/measure';

type Alg = 'RS256' | 'ES256' | 'PS256' | 'EdDSA';

const SUBTLE: Record<
  Alg,
  {
    import: RsaHashedImportParams | EcKeyImportParams | { name: string };
    verify: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
  }
> = {
  RS256: { import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, verify: { name: 'RSASSA-PKCS1-v1_5' } },
  PS256: { import: { name: 'RSA-PSS', hash: 'SHA-256' }, verify: { name: 'RSA-PSS', saltLength: 32 } },
  ES256: { import: { name: 'ECDSA', namedCurve: 'P-256' }, verify: { name: 'ECDSA', hash: 'SHA-256' } },
  EdDSA: { import: { name: 'Ed25519' }, verify: { name: 'Ed25519' } },
};

function memoryKv(): KVNamespace {
  const m = new Map<string, string>();
  return {
    get: async (k: string, t?: unknown) => {
      const v = m.get(k);
      return v === undefined ? null : t === 'json' ? JSON.parse(v) : v;
    },
    put: async (k: string, v: string) => {
      m.set(k, v);
    },
  } as unknown as KVNamespace;
}

export async function runJwtBench(): Promise<{ markdown: string }> {
  const rows: string[] = [];
  for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA'] as Alg[]) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg, use: 'sig' };
    const issuer = `https://idp.bench/${alg}`;
    const uri = `${issuer}/jwks`;
    const provider: Provider = {
      id: 'p',
      name: 'bench',
      type: 'oidc',
      issuer,
      audiences: ['verdict'],
      claimMappings: [{ jwtPath: 'role', attribute: 'role', required: false }],
      algorithms: [alg],
      clockToleranceSec: 60,
      resolvedJwksUri: uri,
      keyFormat: 'jwks',
    };
    const now = Date.now();
    const token = await new SignJWT({ sub: 'u', role: 'employee' })
      .setProtectedHeader({ alg, kid: 'k1' })
      .setIssuer(issuer)
      .setAudience('verdict')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    const deps: KeyDeps = {
      CACHE: memoryKv(),
      fetchKeys: async () => ({ ok: true, json: { keys: [jwk] }, maxAgeSec: 3600 }),
    };
    const ok = await verifyToken(token, [provider], deps, now);
    if (ok.sub !== 'u') throw new Error('bench token did not verify');

    const [h, p, s] = token.split('.') as [string, string, string];
    const data = new TextEncoder().encode(`${h}.${p}`);
    const sig = Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0));
    const raw = await crypto.subtle.importKey('jwk', jwk, SUBTLE[alg].import, false, ['verify']);
    if (!(await crypto.subtle.verify(SUBTLE[alg].verify, raw, sig, data)))
      throw new Error('raw verify failed');

    const rawRes = await measure(() => crypto.subtle.verify(SUBTLE[alg].verify, raw, sig, data), {
      batch: 8,
    });
    const warm = await measure(() => verifyToken(token, [provider], deps, now), { batch: 8 });
    const cold = await measure(
      () => {
        forgetKeys(uri);
        return verifyToken(token, [provider], deps, now);
      },
      { batch: 4 },
    );
    console.log(
      `jwt ${alg}: raw ${fmt(rawRes.usPerOp, 1)} µs, warm ${fmt(warm.usPerOp, 1)} µs, cold ${fmt(cold.usPerOp, 1)} µs`,
    );
    rows.push(
      `| ${alg} | ${fmt(rawRes.usPerOp, 1)} | ${fmt(warm.usPerOp, 1)} | ${fmt(cold.usPerOp, 1)} | ${fmt(warm.usPerOp / rawRes.usPerOp, 2)}× | ${fmt(cold.usPerOp / rawRes.usPerOp, 2)}× |`,
    );
  }
  return {
    markdown: [
      '| alg | raw crypto.subtle.verify (µs) | verifyToken, warm key (µs) | verifyToken, cold key (µs) | warm ÷ raw | cold ÷ raw |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows,
    ].join('\n'),
  };
}
