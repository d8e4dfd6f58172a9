/**
 * Typed face of the stand-in Windows engine. The implementation is plain CommonJS in
 * windows-engine.js (so scripts and the lab can run it with plain node); this file only adds types.
 * Note: jest resolves `./windows-engine` to the .js file first, tsc to this one; both export the same.
 */
import type { IncomingMessage, Server, ServerResponse } from 'http';
import type { Duplex } from 'stream';

export interface EngineFixture {
  _about?: string;
  info: Record<string, any>;
  version: Record<string, any>;
}

export interface WindowsEngineOverrides {
  /** Shallow-merged over the fixture's /info. */
  info?: Record<string, unknown>;
  /** Shallow-merged over the fixture's /version. */
  version?: Record<string, unknown>;
  /** The engine's API version (/version ApiVersion and the Api-Version header). */
  apiVersion?: string;
  minApiVersion?: string;
  experimental?: boolean;
  /** The Windows build (rewrites KernelVersion, OSVersion and the OS Build in OperatingSystem). */
  build?: number;
}

/** A local image: a name, or a name with what the image config says. */
export type ImageSpec =
  | string
  | {
      name: string;
      /** 10.0.BUILD.REVISION; default from the tag (ltsc2019, ltsc2022...) or the host build. */
      osVersion?: string;
      cmd?: string[] | null;
      entrypoint?: string[] | null;
      /** The image's USER ('' = ContainerAdministrator; nanoserver: ContainerUser). */
      user?: string;
      env?: string[];
      workingDir?: string;
      /** Whether powershell.exe exists (not in nanoserver). */
      powershell?: boolean;
      /** Extra executables (basenames or paths) that exist and run until stopped. */
      programs?: string[];
    };

/** The personality options besides the fixture. */
export interface WindowsEnginePersonality {
  /**
   * A LOCAL folder playing the engine's Docker root (C:\ProgramData\docker): /info DockerRootDir reports
   * it, and file:// credential specs are read from <rootDir>/CredentialSpecs (names match case-insensitively).
   * Without it DockerRootDir is the fixture's Windows path and file:// specs resolve against an in-memory
   * CredentialSpecs folder (`credentialSpecFiles`, empty by default).
   */
  rootDir?: string;
  /** The in-memory CredentialSpecs folder used without rootDir: file name -> content. */
  credentialSpecFiles?: Record<string, string>;
  /** Local images (default DEFAULT_IMAGES). */
  images?: ImageSpec[];
  /**
   * registry:// values (HKLM\...\Containers\CredentialSpecs): name -> spec JSON. Undefined = the key
   * does not exist (the engine says it could not be opened).
   */
  registry?: Record<string, string>;
  /** How long a Hyper-V + gMSA start on builds 15063-17134 "hangs" before it fails (ms, default 2000). */
  hypervHangMs?: number;
  /** The DC nltest/klist report for a domain (default dc01.<domain>). */
  domainControllers?: Record<string, string>;
  /**
   * Refuse, at start, images Windows would not run on this host build: newer than the host, or another
   * build under process isolation (0xc0370101). Default true; local/app:1 always matches the host.
   */
  imageOsCheck?: boolean;
  /** The engine's clock. */
  now?: () => Date;
}

export interface WindowsEngineOptions extends WindowsEnginePersonality {
  socketPath: string;
  /** A fixture name in test/fixtures/engines (with or without .json), a path, or the data itself. */
  fixture: string | EngineFixture;
  overrides?: WindowsEngineOverrides;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as sent, /vX.Y prefix included. */
  path: string;
  /** The X.Y of a /vX.Y prefix. */
  apiVersion?: string;
}

/** What a container got from its credentialspec security option at its last start. */
export interface ContainerCredentialSpec {
  /** The option value, e.g. file://contoso_webapp01.json. */
  source: string;
  /** The spec text the engine passed on (never validated by the engine). */
  json: string;
  parsed?: any;
  /** CmsPlugins has ActiveDirectory and DomainJoinConfig has Sid, MachineAccountName and DnsName. */
  usable: boolean;
  /** DomainJoinConfig.MachineAccountName */
  account?: string;
  /** DomainJoinConfig.DnsName */
  domain?: string;
  /** DomainJoinConfig.NetBiosName */
  netbios?: string;
}

export interface ContainerRecord {
  id: string;
  /** Without the leading slash. */
  name: string;
  created: string;
  /** The image's familiar name. */
  image: string;
  imageId: string;
  path: string;
  args: string[];
  /** Config as inspect shows it (merged with the image: Hostname, User, Cmd, Entrypoint, Env...). */
  config: Record<string, any>;
  /** HostConfig as sent, with Isolation resolved to process|hyperv. */
  hostConfig: Record<string, any>;
  platform: 'windows';
  state: {
    status: 'created' | 'running' | 'exited';
    running: boolean;
    paused: boolean;
    restarting: boolean;
    pid: number;
    exitCode: number;
    error: string;
    startedAt: string;
    finishedAt: string;
  };
  credentialSpec: ContainerCredentialSpec | null;
  logs: { stream: 1 | 2; text: string; time: string }[];
  execIds: string[];
  restartCount: number;
}

export interface ExecRecord {
  id: string;
  containerId: string;
  cmd: string[];
  user: string;
  tty: boolean;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  privileged: boolean;
  running: boolean;
  exitCode: number | null;
  pid: number;
  /** The exec create request body as the engine received it (not enumerable: not part of the record). */
  readonly request: Record<string, any>;
}

export interface ImageRecord {
  name: string;
  canonical: string;
  id: string;
  osVersion: string;
  build: number;
  user: string;
  cmd: string[] | null;
  entrypoint: string[] | null;
  env: string[];
  powershell: boolean;
  programs: Set<string>;
}

export interface EngineState {
  info: Record<string, any>;
  version: Record<string, any>;
  apiVersion: string;
  minApiVersion: string;
  osType: string;
  experimental: boolean;
  engineVersion: string;
  requests: RecordedRequest[];
  /** The Windows build (from KernelVersion / OSVersion). */
  build: number;
  revision: number;
  isClient: boolean;
  defaultIsolation: 'process' | 'hyperv';
  /** Which generation of moby credential spec messages: before 19.03, 19.03-23.x, 24.0+. */
  credentialSpecEra: 'legacy' | 'mid' | 'modern';
  rawCredentialSpecs: boolean;
  rootDir?: string;
  readonly dockerRootDir: string;
  credentialSpecFiles: Map<string, string>;
  registry: Map<string, string> | null;
  hypervHangMs: number;
  images: Map<string, ImageRecord>;
  /** Containers by id. */
  containers: Record<string, ContainerRecord>;
  /** Exec sessions by id. */
  execs: Record<string, ExecRecord>;
  swarmHeader(): string;
  findContainer(ref: string): ContainerRecord | undefined;
  findImage(name: string): ImageRecord | undefined;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  state: EngineState;
  url: URL;
  /** Path without the /vX.Y prefix. */
  pathname: string;
  apiVersion?: string;
  /** The API version the request speaks (its prefix, else the engine's). */
  version: string;
  params: Record<string, string>;
  /** The raw socket of an upgraded (hijacked) request; undefined for ordinary requests. */
  socket?: Duplex;
  /** The request body as JSON (undefined when empty). */
  body(): Promise<any>;
}

export type RouteHandler = (ctx: RouteContext) => void | Promise<void>;

export interface Router {
  add(method: string | string[], pattern: string | RegExp, handler: RouteHandler, opts?: { prepend?: boolean }): Router;
}

export interface WindowsEngineHandle {
  socketPath: string;
  state: EngineState;
  router: Router;
  requests: RecordedRequest[];
  server: Server;
  close(): Promise<void>;
}

export interface WindowsEngine {
  state: EngineState;
  router: Router;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** For the server's 'upgrade' event (hijacked attach and exec start). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

// A plain require of the .js file (with its extension) so that this module never imports itself.
const core = require('./windows-engine.js');

export const FIXTURE_DIR: string = core.FIXTURE_DIR;
export const loadFixture: (name: string) => EngineFixture = core.loadFixture;
export const listFixtures: () => string[] = core.listFixtures;
export const createWindowsEngine: (
  opts: { fixture: string | EngineFixture; overrides?: WindowsEngineOverrides } & WindowsEnginePersonality,
) => WindowsEngine = core.createWindowsEngine;
export const startWindowsEngine: (opts: WindowsEngineOptions) => Promise<WindowsEngineHandle> = core.startWindowsEngine;
export const sendJson: (ctx: RouteContext, status: number, body: unknown) => void = core.sendJson;
export const sendText: (ctx: RouteContext, status: number, text: string, headers?: Record<string, string>) => void = core.sendText;
export const sendError: (ctx: RouteContext, status: number, message: string) => void = core.sendError;
export const readJson: (req: IncomingMessage) => Promise<unknown> = core.readJson;
export const compareVersions: (a: string, b: string) => number = core.compareVersions;
/** The default local images. */
export const DEFAULT_IMAGES: readonly string[] = core.DEFAULT_IMAGES;
/** moby's "invalid credential spec security option" message (engines 19.03+; also config:// outside swarm). */
export const ERR_INVALID_SECOPT: string = core.ERR_INVALID_SECOPT;
/** The same message before engine 19.03. */
export const ERR_INVALID_SECOPT_LEGACY: string = core.ERR_INVALID_SECOPT_LEGACY;
export const normalizeImageRef: (name: string) => { canonical: string; familiar: string; domain: string; repo: string; tag: string } =
  core.normalizeImageRef;
export const analyzeCredentialSpec: (source: string, json: string) => ContainerCredentialSpec = core.analyzeCredentialSpec;
/** An error the engine answers with (status + moby's message); route handlers may throw it. */
export const EngineError: new (status: number, message: string) => Error & { status: number } = core.EngineError;
