/**
 * The commands `petrel` dispatches to and the options each takes: the one place a command's
 * implementation is registered: the daemon (`run`), `validate`, the control-socket clients
 * (`show`, `reload`, `peer`) and the lab (`lab`, src/lab/). main.ts answers a command without a
 * handler with "not available in this build" and exit code 2 rather than pretending to run it.
 */
import type { LabMode } from '../lab/configs.js';
import { labCommand } from './lab.js';
import { peerCommand } from './peer.js';
import { reloadCommand } from './reload.js';
import { runCommand } from './run.js';
import { showCommand } from './show.js';
import { validateCommand } from './validate.js';

/** 0 success, 1 the command ran and failed (e.g. an invalid config), 2 usage or unavailable. */
export type ExitCode = number;

export type CommandHandler<Options> = (options: Options) => Promise<ExitCode>;

export interface RunOptions {
  readonly config: string;
  /** Overrides the config's `log.level`. */
  readonly logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Default: pretty when stdout is a terminal, JSON lines otherwise. */
  readonly logFormat?: 'json' | 'pretty';
}

export interface ValidateOptions {
  readonly config: string;
  /** Machine-readable result on stdout. */
  readonly json: boolean;
  /** Also print the config in canonical form (every default filled in). */
  readonly print: boolean;
}

/** Options of every command that talks to a running daemon over its control socket. */
export interface ControlOptions {
  /** Explicit socket path; otherwise `control.socket` of `config`, otherwise the default. */
  readonly socket?: string;
  readonly config?: string;
  readonly json: boolean;
}

export const SHOW_TOPICS = ['status', 'peers', 'routes', 'bfd'] as const;
export type ShowTopic = (typeof SHOW_TOPICS)[number];

export interface ShowOptions extends ControlOptions {
  readonly what: ShowTopic;
  /** `show routes PREFIX`: only routes for this prefix. */
  readonly prefix?: string;
}

export type ReloadOptions = ControlOptions;

export const PEER_ACTIONS = ['reset', 'disable', 'enable'] as const;
export type PeerAction = (typeof PEER_ACTIONS)[number];

export interface PeerOptions extends ControlOptions {
  readonly action: PeerAction;
  /** The peer's name as `show peers` prints it. */
  readonly name: string;
  /** For reset and disable: the RFC 9003 shutdown communication sent to the peer's operator. */
  readonly message?: string;
}

export interface LabOptions {
  /** The pools' encapsulation (src/lab/configs.ts). */
  readonly mode: LabMode;
  /** Nodes peer with a route reflector instead of the full mesh. */
  readonly reflector: boolean;
  /** Leave the topology and daemons running at the end. */
  readonly keep: boolean;
}

export interface CommandHandlers {
  readonly run?: CommandHandler<RunOptions>;
  readonly validate?: CommandHandler<ValidateOptions>;
  readonly show?: CommandHandler<ShowOptions>;
  readonly reload?: CommandHandler<ReloadOptions>;
  readonly peer?: CommandHandler<PeerOptions>;
  readonly lab?: CommandHandler<LabOptions>;
}

export type CommandName = keyof CommandHandlers;

export const commandHandlers: CommandHandlers = {
  run: runCommand,
  validate: validateCommand,
  show: showCommand,
  reload: reloadCommand,
  peer: peerCommand,
  lab: labCommand,
};
