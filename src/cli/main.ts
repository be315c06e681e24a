#!/usr/bin/env node
/**
 * `petrel`, the one binary (SPEC.md §2): parses the command line with yargs and hands each
 * command to its handler in commands.ts. Exit codes: 0 success, 1 the command failed (invalid
 * config, daemon error), 2 usage errors and commands not in this build. Errors are printed as
 * one line, never as a stack trace.
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LAB_MODES, LabMode } from '../lab/configs.js';
import { PEER_ACTIONS, SHOW_TOPICS, commandHandlers, type CommandHandler, type CommandName, type ExitCode } from './commands.js';

const EXIT_USAGE = 2;

function packageVersion(): string {
  // dist/cli/main.js and src/cli/main.ts both sit two folders below package.json.
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

async function dispatch<Options>(name: CommandName, handler: CommandHandler<Options> | undefined, options: Options): Promise<void> {
  if (!handler) {
    process.stderr.write(`petrel: '${name}' is not available in this build\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  const code: ExitCode = await handler(options);
  process.exitCode = code;
}

const controlOptions = {
  socket: { type: 'string', describe: 'control socket path (default: control.socket of --config, else /run/petrel/petrel.sock)' },
  config: { alias: 'c', type: 'string', describe: 'config file, to find the control socket' },
  json: { type: 'boolean', default: false, describe: 'machine-readable output' },
} as const;

await yargs(hideBin(process.argv))
  .scriptName('petrel')
  .usage('$0 <command> [options]')
  .command(
    'run',
    'run the daemon in the foreground (logs on stdout: pretty on a terminal, JSON lines otherwise; SIGHUP reloads, SIGTERM stops)',
    (y) =>
      y
        .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'config file' })
        .option('log-level', { choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, describe: 'overrides log.level of the config' })
        .option('log-format', { choices: ['json', 'pretty'] as const, describe: 'log line format (default: pretty on a terminal, json otherwise)' }),
    (argv) =>
      dispatch('run', commandHandlers.run, {
        config: argv.config,
        ...(argv.logLevel !== undefined ? { logLevel: argv.logLevel } : {}),
        ...(argv.logFormat !== undefined ? { logFormat: argv.logFormat } : {}),
      }),
  )
  .command(
    'validate',
    'check a config file: exit 0, or exit 1 with every error and where it is',
    (y) =>
      y
        .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'config file' })
        .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
        .option('print', { type: 'boolean', default: false, describe: 'also print the canonical config (defaults filled in)' }),
    (argv) => dispatch('validate', commandHandlers.validate, { config: argv.config, json: argv.json, print: argv.print }),
  )
  .command(
    'show <what> [prefix]',
    'show daemon state: status, peers, or routes [PREFIX]',
    (y) =>
      y
        .positional('what', { choices: SHOW_TOPICS, demandOption: true, describe: 'what to show' })
        .positional('prefix', { type: 'string', describe: 'with routes: only this prefix' })
        .options(controlOptions),
    (argv) =>
      dispatch('show', commandHandlers.show, {
        what: argv.what,
        json: argv.json,
        ...(argv.prefix !== undefined ? { prefix: argv.prefix } : {}),
        ...(argv.socket !== undefined ? { socket: argv.socket } : {}),
        ...(argv.config !== undefined ? { config: argv.config } : {}),
      }),
  )
  .command(
    'reload',
    'make the running daemon reload its config (as SIGHUP does)',
    (y) => y.options(controlOptions),
    (argv) =>
      dispatch('reload', commandHandlers.reload, {
        json: argv.json,
        ...(argv.socket !== undefined ? { socket: argv.socket } : {}),
        ...(argv.config !== undefined ? { config: argv.config } : {}),
      }),
  )
  .command(
    'peer <action> <name>',
    'reset, disable or enable one peer session',
    (y) =>
      y
        .positional('action', { choices: PEER_ACTIONS, demandOption: true, describe: 'what to do' })
        .positional('name', { type: 'string', demandOption: true, describe: 'peer name as `show peers` prints it' })
        .option('message', {
          type: 'string',
          describe: "reset or disable: text for the peer's operator, sent in the Cease NOTIFICATION (RFC 9003, at most 255 octets)",
        })
        .options(controlOptions),
    (argv) =>
      dispatch('peer', commandHandlers.peer, {
        action: argv.action,
        name: argv.name,
        ...(argv.message !== undefined ? { message: argv.message } : {}),
        json: argv.json,
        ...(argv.socket !== undefined ? { socket: argv.socket } : {}),
        ...(argv.config !== undefined ? { config: argv.config } : {}),
      }),
  )
  .command(
    'lab',
    'bring up a demo topology in network namespaces and show pods reaching each other',
    (y) =>
      y
        .option('mode', { choices: LAB_MODES, default: LabMode.VXLAN, describe: "the pools' encapsulation (the IPv6 pool: the same VXLAN mode, else native)" })
        .option('reflector', { type: 'boolean', default: false, describe: 'nodes peer with a route reflector instead of the full mesh' })
        .option('keep', { type: 'boolean', default: false, describe: 'leave the lab running (prints how to tear it down)' }),
    (argv) => dispatch('lab', commandHandlers.lab, { mode: argv.mode, reflector: argv.reflector, keep: argv.keep }),
  )
  .demandCommand(1, 'name a command')
  .strict()
  .help()
  .version(packageVersion())
  .fail((message, error, y) => {
    if (error) {
      process.stderr.write(`petrel: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`${y.help().toString()}\n`);
    process.stderr.write(`\npetrel: ${message}\n`);
    process.exit(EXIT_USAGE);
  })
  .parseAsync();
