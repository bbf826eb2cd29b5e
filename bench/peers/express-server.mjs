// What a team builds without Verdict: Express + jsonwebtoken + a hand-written if/else,
// keys fetched once from the same JWKS. One process (one core), no audit.
import { createPublicKey } from 'node:crypto';
import express from 'express';
import jwt from 'jsonwebtoken';

const { JWKS_URL, ISSUER, PORT } = process.env;
const jwks = await (await fetch(JWKS_URL)).json();
const keys = new Map(jwks.keys.map((k) => [k.kid, createPublicKey({ key: k, format: 'jwk' })]));
const app = express();
app.use(express.json({ limit: '64kb' }));
app.post('/authorize', (req, res) => {
  const { token, context } = req.body ?? {};
  let claims;
  try {
    const decoded = jwt.decode(token, { complete: true });
    const key = keys.get(decoded?.header?.kid);
    if (!key) throw new Error('unknown kid');
    claims = jwt.verify(token, key, { algorithms: ['RS256', 'ES256'], audience: 'verdict', issuer: ISSUER });
  } catch {
    return res.status(401).json({ error: 'invalid token' });
  }
  const allowed = claims.role === 'manager' || Number(context?.amount) <= Number(claims.approval_limit);
  res.json({ data: { allowed } });
});
app.listen(Number(PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
