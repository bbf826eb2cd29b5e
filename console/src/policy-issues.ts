/** The server's write-time check of a policy text (POST /validate), as editor issues. */
import type { VerdictClient } from '@verdict-authz/sdk';
import type { EditorIssue } from './editor';

export function policyIssues(client: VerdictClient) {
  return async (source: string): Promise<EditorIssue[]> => {
    const { data } = await client.validatePolicies({ policies: [JSON.parse(source)] });
    const result = data[0];
    if (!result) return [];
    return [
      ...result.errors.map((e) => ({ ...e, severity: 'error' as const })),
      ...result.warnings.map((w) => ({ ...w, severity: 'warning' as const })),
    ];
  };
}
