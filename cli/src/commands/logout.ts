/** `verdict logout`: forget a saved profile. */
import { defineCommand } from 'citty';
import pc from 'picocolors';
import { out } from '../output';
import { saveProfile } from '../profiles';

export const logout = defineCommand({
  meta: { name: 'logout', description: 'Forget a saved profile' },
  args: { profile: { type: 'string', description: 'Profile name', default: 'default' } },
  run({ args }) {
    saveProfile(args.profile, undefined);
    out(`${pc.green('✓')} profile "${args.profile}" removed`);
  },
});
