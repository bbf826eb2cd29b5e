/**
 * verdict — policies as code for Verdict. citty parses the arguments and renders help;
 * this file wires the commands and owns failure: one line on stderr, an exit code by
 * kind (errors.ts), never a stack trace unless VERDICT_DEBUG=1.
 */
import { stripVTControlCharacters } from 'node:util';
import { type ArgsDef, type CommandDef, defineCommand, runCommand, showUsage } from 'citty';
import pc from 'picocolors';
import { authorize } from './commands/authorize';
import { explain } from './commands/explain';
import { exportCmd } from './commands/export';
import { init, schemas, test, validate } from './commands/local';
import { login } from './commands/login';
import { logout } from './commands/logout';
import { pull } from './commands/pull';
import { push } from './commands/push';
import { replay } from './commands/replay';
import { tail } from './commands/tail';
import { token } from './commands/token';
import { workspace } from './commands/workspace';
import { CliError, EXIT } from './errors';

declare const __VERSION__: string;

const commands = {
  init,
  validate,
  test,
  push,
  pull,
  workspace,
  login,
  logout,
  token,
  authorize,
  tail,
  export: exportCmd,
  explain,
  replay,
  schemas,
} as Record<string, CommandDef<ArgsDef>>;

const main = defineCommand({
  meta: {
    name: 'verdict',
    version: __VERSION__,
    description:
      'Policies as code for Verdict: init, validate, test offline with coverage, push with a plan, pull, tail, export, explain, replay',
  },
  subCommands: commands,
});

/** The first option of `raw` that `args` does not define, if any. */
function unknownOption(raw: readonly string[], args: ArgsDef): string | undefined {
  const names = new Map<string, string>();
  for (const [key, def] of Object.entries(args)) {
    if (def.type === 'positional') continue;
    names.set(key, def.type ?? 'boolean');
    names.set(
      key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
      def.type ?? 'boolean',
    );
    for (const a of [('alias' in def ? def.alias : undefined) ?? []].flat())
      names.set(a, def.type ?? 'boolean');
  }
  for (let i = 0; i < raw.length; i++) {
    const token = raw[i] as string;
    if (token === '--') return undefined;
    if (!token.startsWith('-') || token === '-') continue;
    const [flag, inline] = token.replace(/^-{1,2}/, '').split('=', 2) as [string, string | undefined];
    const type =
      names.get(flag) ??
      (flag.startsWith('no-') && names.get(flag.slice(3)) === 'boolean' ? 'boolean' : undefined);
    if (!type) return token.split('=')[0];
    if (type !== 'boolean' && inline === undefined) i++;
  }
  return undefined;
}

async function run(argv: string[]): Promise<void> {
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (argv.length === 0 || (wantsHelp && !argv.some((a) => !a.startsWith('-')))) {
    await showUsage(main);
    return;
  }
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${__VERSION__}\n`);
    return;
  }
  let name = argv.find((a) => !a.startsWith('-')) as string;
  let command = commands[name];
  if (!command)
    throw new CliError(
      `unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`,
      EXIT.usage,
    );
  let rest = argv.slice(argv.indexOf(name) + 1);
  // A command with subcommands (verdict workspace create): the options are the subcommand's.
  const subCommands = command.subCommands as Record<string, CommandDef<ArgsDef>> | undefined;
  if (subCommands && !wantsHelp) {
    const subName = rest.find((a) => !a.startsWith('-'));
    const sub = subName === undefined ? undefined : subCommands[subName];
    if (!sub || subName === undefined)
      throw new CliError(
        `"verdict ${name}" needs a subcommand (${Object.keys(subCommands).join(', ')})`,
        EXIT.usage,
      );
    command = sub;
    rest = rest.slice(rest.indexOf(subName) + 1);
    name = `${name} ${subName}`;
  }
  if (wantsHelp) {
    await showUsage(command, main);
    return;
  }
  const unknown = unknownOption(rest, (command.args ?? {}) as ArgsDef);
  if (unknown)
    throw new CliError(
      `unknown option ${unknown} for "verdict ${name}" (see verdict ${name} --help)`,
      EXIT.usage,
    );
  await runCommand(main, { rawArgs: argv });
}

try {
  await run(process.argv.slice(2));
} catch (err) {
  if (process.env.VERDICT_DEBUG === '1') console.error(err);
  let exitCode: number = EXIT.usage;
  let message: string;
  let details: readonly string[] = [];
  if (err instanceof CliError) {
    exitCode = err.exitCode;
    message = err.message;
    details = err.details;
  } else if (err instanceof Error && err.name === 'CLIError') {
    // citty's own: a missing argument, an invalid enum value.
    message = stripVTControlCharacters(err.message).replace(/\.$/, '');
  } else {
    exitCode = EXIT.remote;
    message = `unexpected: ${err instanceof Error ? err.message : String(err)} (VERDICT_DEBUG=1 shows where)`;
  }
  process.stderr.write(`${pc.red('verdict:')} ${message}\n`);
  for (const d of details) process.stderr.write(`  ${d}\n`);
  process.exitCode = exitCode;
}
