/**
 * The docker CLI's global options as the plugin receives them (the CLI passes its whole argv, global
 * flags included). The argv parser fills this in; the engine module only reads it.
 *
 * Fields that the CLI derives from the environment (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH,
 * DOCKER_CONFIG, DOCKER_CONTEXT, DOCKER_TLS) are NOT folded in here: endpoint resolution reads the
 * environment itself, so this structure records only what was typed on the command line.
 */
export interface DockerGlobals {
  /** `--config DIR`: location of the client configuration (config.json and contexts). */
  config?: string;
  /** `-c/--context NAME`. */
  context?: string;
  /** Every `-H/--host` value in order. The CLI accepts at most one; resolution enforces that. */
  hosts: string[];
  /** `-D/--debug`. */
  debug: boolean;
  /** `-l/--log-level`. */
  logLevel?: string;
  /** `--tls` (true when given). */
  tls: boolean;
  /**
   * `--tlsverify[=bool]`: undefined when the flag was not given at all. Giving it, even as `=false`,
   * turns TLS on, as in the CLI.
   */
  tlsVerify?: boolean;
  /** `--tlscacert PATH`. */
  tlsCaCert?: string;
  /** `--tlscert PATH`. */
  tlsCert?: string;
  /** `--tlskey PATH`. */
  tlsKey?: string;
}

/** Globals for a plain `docker gmsa ...` with no global flags. */
export function emptyGlobals(): DockerGlobals {
  return { hosts: [], debug: false, tls: false };
}
