/**
 * The provider as the admin API shows it: the stored document (storage/providers.ts)
 * without its secret. The document's shape is the contract's ProviderInputSchema.
 */
import type { ProviderView } from '../contract/provider';
import type { Provider } from '../storage/providers';

export function publicProvider(p: Provider): ProviderView {
  const { hsSecret, ...rest } = p;
  return { ...rest, hasHsSecret: hsSecret !== undefined };
}
