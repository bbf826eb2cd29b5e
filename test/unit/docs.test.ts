/// <reference types="node" />
// The README's gateway config is the tested one: test/gateway/ runs
// examples/gateways/nginx.conf in a real nginx, and the README must show that file as is.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('docs show what the tests run', () => {
  it('README embeds examples/gateways/nginx.conf verbatim', () => {
    const conf = read('examples/gateways/nginx.conf').trimEnd();
    expect(read('README.md')).toContain(`\`\`\`nginx\n${conf}\n\`\`\``);
  });
});
