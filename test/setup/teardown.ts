// Every system suite (test/system, test/gateway, test/soak) ends by draining the teardown
// registry: whatever a start function registered is stopped, whichever hook or test failed.
import { afterAll } from 'vitest';
import { drainTeardowns } from '../helpers/teardown';

afterAll(drainTeardowns);
