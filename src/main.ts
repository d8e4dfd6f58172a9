/**
 * Entry point of the plugin bundle. The only place that reads process.argv and process.env and sets the
 * exit code. The metadata handshake is answered before anything else is loaded: the docker CLI runs it
 * for every `docker` help, `docker info` and completion.
 */
import metadata from '../plugin-metadata/docker-cli-plugin-metadata.json';
import { METADATA_SUBCOMMAND } from './plugin/argv';

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === METADATA_SUBCOMMAND) {
    process.stdout.write(JSON.stringify(metadata, null, 2) + '\n');
    return;
  }
  // A reader that goes away (`docker gmsa ... | head`) ends the run quietly, as for any CLI.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  // Everything past the handshake loads lazily (the bundler keeps these requires as deferred modules).
  const { runMain } = require('./cli/entry') as typeof import('./cli/entry');
  runMain(argv, {
    env: process.env,
    cwd: process.cwd(),
    platform: process.platform,
    execPath: process.execPath,
    scriptPath: process.argv[1] ?? '',
    version: metadata.Version,
    stdout: process.stdout,
    stderr: process.stderr,
    // Node builds process.stdin on first access (for a file or pipe, with the fs and stream layers it
    // needs): only commands that read standard input pay for it.
    get stdin() {
      return process.stdin;
    },
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // runMain reports every error itself; reaching this is a bug in the reporting.
      process.stderr.write(`Error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

main();
