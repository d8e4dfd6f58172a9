/**
 * Every failure the tool reports on purpose is one of these classes. Each carries the message a person
 * reads ("Error: <message>") and a hint line with the next step. main.ts maps them to exit codes in one
 * place (exitCodeFor); anything else is a bug.
 */
export abstract class GmsaError extends Error {
  /** One line telling the user what to do next. */
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** Wrong command line: unknown flag, missing argument, conflicting options. Exit 2. */
export class UsageError extends GmsaError {}

/** A value the user gave is not acceptable (a spec name that leaves the store, a malformed SID...). */
export class InvalidInputError extends GmsaError {}

/** Something the user named does not exist (a spec, a context, a file). */
export class NotFoundError extends GmsaError {}

/** The operation would overwrite or remove something it must not touch without a flag. */
export class ConflictError extends GmsaError {}

/** A credential spec has at least one error finding. The findings were already printed. */
export class SpecInvalidError extends GmsaError {}

/** Docker endpoint resolution or configuration (contexts, DOCKER_HOST, TLS material). */
export class DockerConfigError extends GmsaError {}

/** The engine could not be reached or answered with an error. */
export class EngineError extends GmsaError {}

/** The engine is reachable but cannot do what was asked (a Linux engine, a remote root dir...). */
export class UnsupportedEngineError extends GmsaError {}

/**
 * A gMSA rule of the Windows build the containers run on refuses the request: no gMSA before 2016, no
 * Hyper-V isolation on 1703-1803, no Network Service or SYSTEM before 1709, the hostname must be the gMSA
 * name and one container per gMSA before 2019. The same class (exit 1) wherever a rule is checked: run,
 * exec, compose, stack deploy, service create/update.
 */
export class BuildRuleError extends GmsaError {}

/** Active Directory answered with an error (bad credentials, insufficient rights, missing object...). */
export class DirectoryError extends GmsaError {}

/** No domain controller could be reached (discovery, TCP, TLS or timeout). */
export class DirectoryUnreachableError extends GmsaError {}

/**
 * A check the user asked for came out negative (account test, verify): exit 1. The report, already printed,
 * is the answer, so the error itself is not printed again.
 */
export class CheckFailedError extends GmsaError {}

/** A file system operation failed (permissions, disk full...). */
export class FileSystemError extends GmsaError {}

/**
 * The exit status of a docker command the plugin ran on the user's behalf (run, exec), passed through
 * unchanged. Nothing to print: docker already said what happened.
 */
export class PassThroughExit extends GmsaError {
  constructor(readonly status: number) {
    super(`docker exited with status ${status}`);
  }
}

/** The same error, of the same class and with the same hint, with `where: ` in front of its message. */
export function located(err: unknown, where: string): unknown {
  if (!(err instanceof GmsaError) || err instanceof PassThroughExit) return err;
  const Ctor = err.constructor as new (message: string, hint?: string) => GmsaError;
  return new Ctor(`${where}: ${err.message}`, err.hint);
}

/** Exit status for a failure: 2 for usage errors, a passed-through docker status as is, 1 otherwise. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return 2;
  if (err instanceof PassThroughExit) return err.status;
  return 1;
}

/** Turns a Node errno exception into a FileSystemError that names the path and a next step. */
export function fsError(err: unknown, action: string, path: string): GmsaError {
  if (err instanceof GmsaError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new NotFoundError(`cannot ${action} ${path}: no such file or directory`, 'Check the path and try again.');
    case 'EACCES':
    case 'EPERM':
      return new FileSystemError(
        `cannot ${action} ${path}: permission denied`,
        'Run with an account that may write there (on Windows, an elevated prompt), or choose another location.',
      );
    case 'EISDIR':
      return new InvalidInputError(`cannot ${action} ${path}: it is a directory`, 'Name a file, not a folder.');
    case 'ENOSPC':
      return new FileSystemError(`cannot ${action} ${path}: no space left on device`, 'Free some space and retry.');
    default:
      return new FileSystemError(
        `cannot ${action} ${path}: ${(err as Error | undefined)?.message ?? String(err)}`,
        'Check the path and its permissions.',
      );
  }
}
