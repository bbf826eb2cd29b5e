/// <reference types="node" />
// vitest globalSetup (runs in Node): starts the loopback IdP fixture and hands its
// address to the tests running inside workerd.
import type { TestProject } from 'vitest/node';
import { startIdp } from '../fixtures/idp-server';

declare module 'vitest' {
  export interface ProvidedContext {
    idpBase: string;
  }
}

export default async function setup(project: TestProject) {
  const idp = await startIdp();
  project.provide('idpBase', idp.base);
  return () => idp.close();
}
