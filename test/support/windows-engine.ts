/**
 * Typed face of the stand-in Windows engine. The implementation is plain CommonJS in
 * windows-engine.js (so scripts and the lab can run it with plain node); this file only adds types.
 * Note: jest resolves `./windows-engine` to the .js file first, tsc to this one; both export the same.
 */
import type { IncomingMessage, Server, ServerResponse } from 'http';

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
}

export interface WindowsEngineOptions {
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

export interface EngineState {
  info: Record<string, any>;
  version: Record<string, any>;
  apiVersion: string;
  minApiVersion: string;
  osType: string;
  experimental: boolean;
  engineVersion: string;
  requests: RecordedRequest[];
  swarmHeader(): string;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  state: EngineState;
  url: URL;
  /** Path without the /vX.Y prefix. */
  pathname: string;
  apiVersion?: string;
  params: Record<string, string>;
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
}

// A plain require of the .js file (with its extension) so that this module never imports itself.
const core = require('./windows-engine.js');

export const FIXTURE_DIR: string = core.FIXTURE_DIR;
export const loadFixture: (name: string) => EngineFixture = core.loadFixture;
export const listFixtures: () => string[] = core.listFixtures;
export const createWindowsEngine: (opts: { fixture: string | EngineFixture; overrides?: WindowsEngineOverrides }) => WindowsEngine =
  core.createWindowsEngine;
export const startWindowsEngine: (opts: WindowsEngineOptions) => Promise<WindowsEngineHandle> = core.startWindowsEngine;
export const sendJson: (ctx: RouteContext, status: number, body: unknown) => void = core.sendJson;
export const sendText: (ctx: RouteContext, status: number, text: string, headers?: Record<string, string>) => void = core.sendText;
export const sendError: (ctx: RouteContext, status: number, message: string) => void = core.sendError;
export const readJson: (req: IncomingMessage) => Promise<unknown> = core.readJson;
export const compareVersions: (a: string, b: string) => number = core.compareVersions;
