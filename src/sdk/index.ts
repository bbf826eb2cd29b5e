/** The Verdict SDK: `import { VerdictClient } from 'verdict/sdk'`. */
export type {
  CheckInput,
  Decision,
  RecordPage,
  RecordQuery,
  VerdictClientOptions,
  VerdictRecord,
} from './client';
export { VerdictClient } from './client';
export type { Problem } from './errors';
export { VerdictError } from './errors';
export type { VerdictAuthorizeOptions } from './hono';
export { verdictAuthorize } from './hono';
