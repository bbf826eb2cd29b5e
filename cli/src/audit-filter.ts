/**
 * The audit filter flags (`--decision`, `--resource`, `--action`, `--subject`) that tail and
 * export take, and the filter the flags make; replay narrows its window with the same filter.
 */
import type { ArgsDef } from 'citty';

export const auditFilterArgs = {
  decision: { type: 'enum', options: ['Allow', 'Deny'], description: 'Only this decision' },
  resource: { type: 'string', description: 'Only this resource' },
  action: { type: 'string', description: 'Only this action' },
  subject: { type: 'string', description: 'Only this subject' },
} satisfies ArgsDef;

type FilterFlags = { decision?: string; resource?: string; action?: string; subject?: string };

/** The flags given, as an audit or replay filter (an absent or empty flag filters nothing). */
export function auditFilterOf(args: FilterFlags): {
  decision?: 'Allow' | 'Deny';
  resource?: string;
  action?: string;
  subject?: string;
} {
  return {
    ...(args.decision ? { decision: args.decision as 'Allow' | 'Deny' } : {}),
    ...(args.resource ? { resource: args.resource } : {}),
    ...(args.action ? { action: args.action } : {}),
    ...(args.subject ? { subject: args.subject } : {}),
  };
}
