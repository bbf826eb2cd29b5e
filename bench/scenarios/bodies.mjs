// Request bodies: Verdict's authorize and Cerbos's check for the same token and amount.

export const cerbosBody = (token, amount, i = 0) =>
  JSON.stringify({
    requestId: `r${i}`,
    principal: { id: 'u', roles: ['user'] },
    resources: [{ actions: ['approve'], resource: { kind: 'orders', id: `order-${i}`, attr: { amount } } }],
    auxData: { jwt: { token } },
  });
export const verdictBody = (token, amount) =>
  JSON.stringify({ token, resource: 'orders', action: 'approve', context: { amount } });
