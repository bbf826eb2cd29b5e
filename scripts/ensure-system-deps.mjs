// `npm test` runs the gateways through a real nginx, the console and /docs in a real Chromium
// and the README's curl commands: Debian's nginx, chromium and curl. When one is missing this
// installs them (as root, with apt-get), or stops at once with the one command to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const missing = [
  ...(onPath('nginx') || existsSync('/usr/sbin/nginx') ? [] : ['nginx']),
  ...(existsSync('/usr/bin/chromium') ? [] : ['chromium']),
  ...(onPath('curl') ? [] : ['curl']),
];
if (missing.length > 0) {
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    console.log(`[verdict] the system tests need ${missing.join(', ')}: installing (${command})`);
    execFileSync('sh', ['-c', command], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } else {
    console.error(
      `[verdict] the system tests need ${missing.join(', ')} (Debian packages). Run:\n  sudo sh -c '${command}'\nthen npm test again.`,
    );
    process.exit(1);
  }
}
