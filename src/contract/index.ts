/** The wire contract: every shape Verdict sends or accepts, as zod schemas (zod only). */
export * from './admin';
export * from './audit';
export * from './authzen';
export * from './cli';
export * from './common';
export * from './decision';
export * from './gateway';
export * from './impact';
export * from './instant';
export * from './policy';
export * from './provider';
export * from './records';
export * from './refusals';
export * from './schemas';
