/**
 * The seed tutorial's claim mappings and `order_approval` policy, once. The mappings: the
 * IdP's `role` (default "employee"), `department` and `approval_limit` (default 0) claims
 * become ext_role, ext_department and ext_approval_limit. The policy: managers approve any amount, everyone
 * else up to their `approval_limit` claim, and anything else is denied. The local demo
 * (admin/demo.ts), the test fixtures and the benchmarks import it; the example and the
 * `verdict init` template (examples/policies/order_approval.json,
 * cli/templates/order-approval/policies/order_approval.json) stay JSON files, and
 * test/unit/seed-policy.test.ts holds them equal to this document.
 */
import type { PolicyDocument } from './policy';
import type { ClaimMapping } from './provider';

export const SEED_CLAIM_MAPPINGS: ClaimMapping[] = [
  { jwtPath: 'role', attribute: 'role', required: false, defaultValue: 'employee' },
  { jwtPath: 'department', attribute: 'department', required: false },
  { jwtPath: 'approval_limit', attribute: 'approval_limit', required: false, defaultValue: 0 },
];

export const ORDER_APPROVAL_POLICY = {
  name: 'order_approval',
  specification: {
    rules: [
      {
        rule_id: 'manager-unlimited',
        effect: 'Allow',
        conditions: [{ function: 'string_equal', attribute: 'ext_role', value: 'manager' }],
      },
      {
        rule_id: 'within-limit',
        effect: 'Allow',
        conditions: [
          {
            function: 'integer_less_equal',
            attribute: 'request_metadata',
            metadata_key: 'amount',
            value_from_attribute: 'ext_approval_limit',
          },
        ],
      },
    ],
    default: { rule_id: 'deny', effect: 'Deny' },
  },
} satisfies PolicyDocument;
