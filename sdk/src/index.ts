/** The Verdict SDK: `import { VerdictClient } from '@verdict-authz/sdk'`. The Hono middleware is `@verdict-authz/sdk/hono`. */
export type { CheckInput, VerdictClientOptions } from './client';
export { VerdictClient } from './client';
export type * from './contract';
export type { ReceivedProblem } from './errors';
export { VerdictError } from './errors';
