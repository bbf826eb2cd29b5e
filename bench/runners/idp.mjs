// The bench's identity provider: an RS256 and an ES256 key, discovery and JWKS served on
// loopback, and tokens minted in-process.
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { createServer } from 'node:http';

const b64url = (b) => Buffer.from(b).toString('base64url');
/** Starts the IdP; `ready` resolves to its issuer URL. */
export function makeIdp() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = [
    { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rs1', alg: 'RS256', use: 'sig' },
    { ...ec.publicKey.export({ format: 'jwk' }), kid: 'es1', alg: 'ES256', use: 'sig' },
  ];
  let issuer = '';
  const server = createServer((req, res) => {
    const body = req.url.endsWith('/jwks') ? { keys } : { issuer, jwks_uri: `${issuer}/jwks` };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  const ready = new Promise((r) => server.listen(0, '127.0.0.1', () => r()));
  const mint = (alg, claims) => {
    const header = b64url(JSON.stringify({ alg, kid: alg === 'RS256' ? 'rs1' : 'es1', typ: 'JWT' }));
    const now = Math.floor(Date.now() / 1000);
    const payload = b64url(
      JSON.stringify({ iss: issuer, aud: 'verdict', iat: now, exp: now + 3600, ...claims }),
    );
    const data = `${header}.${payload}`;
    const sig =
      alg === 'RS256'
        ? nodeSign('sha256', Buffer.from(data), rsa.privateKey)
        : nodeSign('sha256', Buffer.from(data), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${data}.${b64url(sig)}`;
  };
  return {
    ready: ready.then(() => {
      issuer = `http://127.0.0.1:${server.address().port}`;
      return issuer;
    }),
    mint,
    close: () => server.close(),
  };
}
