/// <reference types="node" />
// The README's gateway config is the tested one: test/gateway/ runs
// examples/gateways/nginx.conf in a real nginx, and the README must show that file as is.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/policy/compile-policy';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('docs show what the tests run', () => {
  it('README embeds examples/gateways/nginx.conf verbatim', () => {
    const conf = read('examples/gateways/nginx.conf').trimEnd();
    expect(read('README.md')).toContain(`\`\`\`nginx\n${conf}\n\`\`\``);
  });

  it('every policy document the README shows as JSON compiles', () => {
    const blocks = [...read('README.md').matchAll(/```json\n(\{ "name":[\s\S]*?)\n```/g)]
      .map((m) => m[1] as string)
      .filter((b) => b.includes('"specification"'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const compiled = compilePolicy(JSON.parse(block), 1);
      expect(compiled.ok, block).toBe(true);
    }
  });
});
