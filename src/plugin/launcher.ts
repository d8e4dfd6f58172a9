/**
 * The file `install` puts in a Unix cli-plugins folder: ONE file that is both a POSIX sh script and the
 * JavaScript bundle, so that nothing but `docker-gmsa` lands in the folder (the docker CLI treats every
 * `docker-*` entry there as a plugin candidate) and the handshake costs a shell start, not a Node start.
 *
 *   #!/bin/sh
 *   ":" //; # docker-gmsa:cli-plugin-launcher ...
 *   ":" //; if [ "$1" = docker-cli-plugin-metadata ]; then printf '<metadata>'; exit 0; fi
 *   ":" //; N='<node that ran install>'; [ -x "$N" ] || N=$(command -v node) || ...; exec "$N" -- "$0" "$@"
 *   <the bundle, without its #! line>
 *
 * To sh, `":" //;` runs the no-op `:` with the argument `//`, then the rest of the line; sh never reads
 * past the `exec`. To Node, the first line is the hashbang it skips, and each `":" //;` line is a string
 * expression statement followed by a comment, so the bundle runs unchanged (with `"$0"` as its path).
 * Node is found as the npm bin would be found by the user who installed: the Node that ran `install`,
 * recorded here, else the first `node` on PATH.
 */

/** Present in the launcher's header (the bundle after it carries PLUGIN_MARKER as well). */
export const LAUNCHER_MARKER = 'docker-gmsa:cli-plugin-launcher';

const LINE_PREFIX = '":" //; ';
const SHEBANG = '#!/bin/sh\n';

/** A value as one sh single-quoted word. */
function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Text as a printf format that prints exactly that text ('%' and '\' escaped, newlines as \n). */
function printfFormat(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/%/g, '%%').replace(/\n/g, '\\n');
}

export interface LauncherInput {
  /** The bundle file's content (`#!/usr/bin/env node` first). */
  bundle: Buffer;
  /** The handshake answer, exactly as the bundle prints it. */
  metadataText: string;
  /** Absolute path of the Node that ran `install`. */
  node: string;
}

export function isLauncher(content: Buffer): boolean {
  return content.subarray(0, 256).toString('latin1').startsWith(SHEBANG + LINE_PREFIX) && content.subarray(0, 256).includes(LAUNCHER_MARKER);
}

/** The bundle a launcher carries, with its own hashbang back; any other content is returned as is. */
export function bundleOf(content: Buffer): Buffer {
  if (!isLauncher(content)) return content;
  let at = SHEBANG.length;
  const prefix = Buffer.from(LINE_PREFIX, 'latin1');
  while (content.subarray(at, at + prefix.length).equals(prefix)) {
    const nl = content.indexOf(0x0a, at);
    if (nl < 0) return content;
    at = nl + 1;
  }
  return Buffer.concat([Buffer.from('#!/usr/bin/env node\n', 'latin1'), content.subarray(at)]);
}

export function unixLauncher(input: LauncherInput): Buffer {
  if (/[\n\0]/.test(input.node)) throw new Error(`unusable Node path ${JSON.stringify(input.node)}`);
  const bundle = bundleOf(input.bundle);
  const nl = bundle.indexOf(0x0a);
  const body = bundle.subarray(0, 2).toString('latin1') === '#!' ? bundle.subarray(nl + 1) : bundle;
  const header = [
    `# ${LAUNCHER_MARKER}: sh answers the docker CLI handshake, Node runs everything else (this same file)`,
    `if [ "$1" = docker-cli-plugin-metadata ]; then printf ${shQuote(printfFormat(input.metadataText))}; exit 0; fi`,
    `N=${shQuote(input.node)}; [ -x "$N" ] || N=$(command -v node) || { echo "docker-gmsa: Node.js not found: "${shQuote(input.node)}" is gone and PATH has no node" >&2; exit 127; }; exec "$N" -- "$0" "$@"; exit 127`,
  ]
    .map((line) => LINE_PREFIX + line + '\n')
    .join('');
  return Buffer.concat([Buffer.from(SHEBANG + header, 'utf8'), body]);
}
