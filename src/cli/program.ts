/**
 * The command tree. Each command lives in its own file and registers itself (COMMANDS); nothing in this
 * file or in the command files' top level loads a heavy module, so `--help` and completion stay fast.
 */
import { Command, CommanderError, Help } from 'commander';
import { UsageError } from '../errors';
import { editDistance } from '../util/text';
import type { Deps } from './deps';
import { registerCommands, type CommandTable } from './command-table';

export const ROOT_NAME = 'docker gmsa';

const ROOT_DESCRIPTION = 'Group Managed Service Accounts for Windows containers, from any OS';

const ROOT_EPILOG = `
Docker's global flags (--config, --context, -H, --tls...) go before "gmsa", as for any docker command:
  docker --context win2019 gmsa host

Run 'docker gmsa COMMAND --help' for more information on a command.`;

/**
 * Every command, in help order, each with the module that registers it. A module is loaded only when
 * its command is registered: a run of one command (`docker gmsa run ...`) builds only that command,
 * which profiled at most of what building the whole tree and loading every command's module cost.
 */
const COMMANDS: CommandTable = [
  ['run', () => (require('./run') as typeof import('./run')).registerRun],
  ['compose', () => (require('./compose') as typeof import('./compose')).registerCompose],
  ['stack', () => (require('./stack') as typeof import('./stack')).registerStack],
  ['exec', () => (require('./exec') as typeof import('./exec')).registerExec],
  ['verify', () => (require('./verify') as typeof import('./verify')).registerVerify],
  ['service', () => (require('./service') as typeof import('./service')).registerService],
  ['configs', () => (require('./configs') as typeof import('./configs')).registerConfigs],
  ['k8s', () => (require('./k8s') as typeof import('./k8s')).registerK8s],
  ['servicefabric', () => (require('./servicefabric') as typeof import('./servicefabric')).registerServiceFabric],
  ['host', () => (require('./host') as typeof import('./host')).registerHost],
  ['spec', () => (require('./spec') as typeof import('./spec')).registerSpec],
  ['account', () => (require('./account') as typeof import('./account')).registerAccount],
  ['kds', () => (require('./kds') as typeof import('./kds')).registerKds],
  ['doctor', () => (require('./doctor') as typeof import('./doctor')).registerDoctor],
  ['explain', () => (require('./explain') as typeof import('./explain')).registerExplain],
  ['sql', () => (require('./sql') as typeof import('./sql')).registerSql],
  ['dockerfile', () => (require('./dockerfile') as typeof import('./dockerfile')).registerDockerfile],
  ['install', () => (require('./install') as typeof import('./install')).registerInstall],
  ['uninstall', () => (require('./uninstall') as typeof import('./uninstall')).registerUninstall],
  ['version', () => (require('./version') as typeof import('./version')).registerVersion],
];

export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

/**
 * Builds the command tree; `deps` is captured by the actions. With `only`, the root and that one command
 * (what parsing a command line that starts with it needs), and of a group only the subcommand `next`
 * names when it names one (registerCommands); else every command (help, completion, a word that names no
 * command).
 */
export function buildProgram(deps: Deps, only?: string, next?: string): Command {
  const program = new Command(ROOT_NAME)
    .description(ROOT_DESCRIPTION)
    .usage('[docker global flags] COMMAND')
    .helpCommand('help [COMMAND]', 'Show help for a command')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .addHelpText('after', ROOT_EPILOG);

  registerCommands(program, deps, COMMANDS, only, next);

  configureTree(program, deps);
  return program;
}

/** Same output routing, error handling and help layout for every command in the tree. */
function configureTree(cmd: Command, deps: Deps): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => deps.io.out(s),
    writeErr: (s) => deps.io.err(s),
    // Errors are rendered once, by main.ts, from the UsageError thrown below.
    outputError: () => undefined,
  });
  cmd.configureHelp({ sortSubcommands: false, showGlobalOptions: false, helpWidth: 100 } as Partial<Help>);
  for (const sub of cmd.commands) configureTree(sub, deps);
}

function commandPath(cmd: Command | null): string {
  const names: string[] = [];
  for (let c = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Runs the tree. Returns normally for help/version output; throws GmsaError for anything else. */
export async function runProgram(args: readonly string[], deps: Deps): Promise<void> {
  const first = args[0];
  const known = first !== undefined && COMMAND_NAMES.includes(first);
  const program = buildProgram(deps, known ? first : undefined, known ? args[1] : undefined);
  let current: Command = program;
  program.hook('preSubcommand', (_this, sub) => {
    current = sub;
  });
  try {
    if (args.length === 0) {
      program.outputHelp();
      return;
    }
    const helpFor = helpTarget(program, args);
    if (helpFor) {
      helpFor.outputHelp();
      return;
    }
    await program.parseAsync([...args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.help' ||
        err.code === 'commander.version' ||
        err.exitCode === 0
      ) {
        return;
      }
      const where = commandPath(findCommand(program, args) ?? current);
      throw new UsageError(err.message.replace(/^error: /, ''), `See '${where} --help'.`);
    }
    throw err;
  }
}

/** Follows the words of argv down the tree as far as they name subcommands. */
export function findCommand(root: Command, words: readonly string[]): Command | undefined {
  let cmd = root;
  for (const w of words) {
    if (w.startsWith('-')) break;
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (!sub) break;
    cmd = sub;
  }
  return cmd;
}

/** commander's "(Did you mean ...?)" line for a word among a command's subcommands, or ''. */
function didYouMean(word: string, cmd: Command): string {
  let best = 3;
  let similar: string[] = [];
  for (const c of cmd.commands) {
    for (const name of [c.name(), ...c.aliases()]) {
      if (name.length <= 1) continue;
      const d = editDistance(word, name);
      const length = Math.max(word.length, name.length);
      if ((length - d) / length <= 0.4) continue;
      if (d < best) {
        best = d;
        similar = [name];
      } else if (d === best) similar.push(name);
    }
  }
  similar.sort((a, b) => a.localeCompare(b));
  if (similar.length > 1) return `\n(Did you mean one of ${similar.join(', ')}?)`;
  return similar.length === 1 ? `\n(Did you mean ${similar[0]}?)` : '';
}

/**
 * `help [COMMAND...]` where a command with subcommands is expected (`docker gmsa help spec create`,
 * `docker gmsa spec help create`, and `docker help gmsa ...` as argv.ts passes it on): the command whose
 * help to show. A word that names no command is a usage error, as an unknown command is.
 */
export function helpTarget(root: Command, args: readonly string[]): Command | undefined {
  let cmd = root;
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i] as string;
    if (w === 'help' && cmd.commands.length > 0 && !cmd.commands.some((c) => c.name() === 'help')) break;
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (!sub) return undefined;
    cmd = sub;
  }
  if (i === args.length) return undefined;
  for (const w of args.slice(i + 1)) {
    // a leaf, or a command whose own arguments follow (compose's): the words are not commands
    if (w.startsWith('-') || w === 'help' || cmd.commands.length === 0 || cmd.registeredArguments.length > 0) break;
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (!sub) throw new UsageError(`unknown command '${w}'${didYouMean(w, cmd)}`, `See '${commandPath(cmd)} --help'.`);
    cmd = sub;
  }
  return cmd;
}
