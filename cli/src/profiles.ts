/**
 * Saved logins: base URL, API key and workspace per profile, in
 * $VERDICT_CONFIG_DIR (else $XDG_CONFIG_HOME/verdict, else ~/.config/verdict)/profiles.json,
 * written with mode 0600 in a 0700 folder. A file others can read is narrowed back to
 * 0600 before it is used.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { invalid } from './errors';

export type Profile = { url: string; apiKey?: string; workspace?: string };
type ProfileFile = { profiles: Record<string, Profile> };

export function configDir(): string {
  const env = process.env;
  if (env.VERDICT_CONFIG_DIR) return env.VERDICT_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'verdict');
}

export const profilesPath = () => join(configDir(), 'profiles.json');

function load(): ProfileFile {
  const path = profilesPath();
  if (!existsSync(path)) return { profiles: {} };
  if ((statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    process.stderr.write(`verdict: ${path} was readable by others; it is now 0600\n`);
  }
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as ProfileFile;
    if (!parsed || typeof parsed.profiles !== 'object') throw new Error('no "profiles"');
    return parsed;
  } catch (err) {
    throw invalid(`${path} is not a profiles file (${(err as Error).message}); fix or delete it`);
  }
}

export function readProfile(name: string): Profile | undefined {
  return load().profiles[name];
}

export function listProfiles(): Record<string, Profile> {
  return load().profiles;
}

export function saveProfile(name: string, profile: Profile | undefined): string {
  const file = load();
  if (profile) file.profiles[name] = profile;
  else delete file.profiles[name];
  const dir = configDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = profilesPath();
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}
