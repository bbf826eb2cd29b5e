/**
 * The seed policy has one source (src/contract/seed-policy.ts); the example and the
 * `verdict init` template are JSON files a reader opens, so they are held byte-equal to that
 * source as the formatter writes it. When this fails, regenerate the file from the source
 * (`JSON.stringify(doc)` piped through `npx biome format --stdin-file-path=<file>`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORDER_APPROVAL_POLICY } from '../../src/contract/seed-policy';
import { financeHighValueRule } from '../fixtures/seed';

const root = join(__dirname, '../..');

/** `doc` as the repository's formatter writes it to `file`. */
const formatted = (file: string, doc: unknown) =>
  execFileSync(join(root, 'node_modules/.bin/biome'), ['format', `--stdin-file-path=${file}`], {
    cwd: root,
    input: JSON.stringify(doc),
    encoding: 'utf8',
  });

const files: [string, unknown][] = [
  ['examples/policies/order_approval.json', ORDER_APPROVAL_POLICY],
  [
    'examples/policies/order_approval_finance.json',
    {
      ...ORDER_APPROVAL_POLICY,
      specification: {
        ...ORDER_APPROVAL_POLICY.specification,
        rules: [...ORDER_APPROVAL_POLICY.specification.rules, financeHighValueRule],
      },
    },
  ],
  [
    'cli/templates/order-approval/policies/order_approval.json',
    { $schema: '../schemas/policy.json', ...ORDER_APPROVAL_POLICY },
  ],
];

describe('the seed policy', () => {
  it.each(files)('%s is the source, byte for byte', (file, doc) => {
    expect(readFileSync(join(root, file), 'utf8')).toBe(formatted(file, doc));
  });
});
