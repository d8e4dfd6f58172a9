/**
 * Credential spec file names.
 *
 * A spec name ends up in `credentialspec=file://NAME` and in a path under `<DockerRootDir>\CredentialSpecs`.
 * checkSpecName refuses, before any file is touched, every name that could point outside that folder or
 * that Windows would treat specially (device names, trailing dots, alternate data streams...).
 */
import { InvalidInputError } from '../errors';
import { credentialSpecValue } from './option';
import { netbiosNameProblem, normalizeAccountName } from './model';
import { firstLoneSurrogate } from '../util/text';

/** NTFS allows 255 UTF-16 code units per path component. */
export const MAX_SPEC_NAME_LENGTH = 255;

const NAME_HINT = 'Use a plain file name such as contoso_webapp01.json; specs always live in the engine\'s CredentialSpecs folder.';

/**
 * Device names Windows reserves in every directory, whatever the extension (nul.json is the NUL device):
 * the part before the first dot, trailing spaces ignored ("nul .json" is NUL too).
 */
const RESERVED_DEVICE = /^(?:CON|PRN|AUX|NUL|COM[0-9\u00b9\u00b2\u00b3]|LPT[0-9\u00b9\u00b2\u00b3]|CONIN\$|CONOUT\$) *(?:\.|$)/i;

/**
 * Names of ASCII letters, digits, '_' and '-', with dots anywhere but first and last: none of them can
 * fail a check of checkSpecName's but the device names and the length, so those alone are checked (the
 * default names of a batch of hundreds all take this way).
 */
const PLAIN_NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$/;

/** Characters that look like a slash, backslash or colon and that some Windows code paths map onto them. */
const LOOKALIKES = /[\u2215\u2216\u29f5\u29f8\u29f9\ufe55\uff0f\uff1a\uff3c\ua789]/;

function refuse(name: string, why: string, hint: string = NAME_HINT): never {
  throw new InvalidInputError(`invalid credential spec name ${JSON.stringify(name)}: ${why}`, hint);
}

/** True when `fileName` is one Windows treats as a device (CON, nul.json, COM1.backup.json, lpt¹.json...). */
export function isReservedDeviceName(fileName: string): boolean {
  return RESERVED_DEVICE.test(fileName);
}

/**
 * Checks a spec name and returns the file name to use: the name itself, with `.json` appended unless it
 * already ends in `.json` (any case). Throws InvalidInputError naming the input and the reason for
 * anything that is not a single, ordinary file name inside the CredentialSpecs folder.
 */
export function checkSpecName(name: string): string {
  if (typeof name === 'string' && PLAIN_NAME.test(name)) return checkedFileName(name);
  if (typeof name !== 'string') refuse(String(name), 'a name must be text');
  if (name.length === 0) refuse(name, 'the name is empty');
  if (name === '.' || name === '..') refuse(name, `${name} refers to a directory, not a file`);
  for (const ch of name) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0) refuse(name, 'it contains a NUL character');
    if (cp < 0x20 || cp === 0x7f) refuse(name, `it contains the control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`);
  }
  if (firstLoneSurrogate(name) >= 0) refuse(name, 'it contains an invalid (unpaired) UTF-16 character');
  if (name.startsWith('\\\\') || name.startsWith('//')) refuse(name, 'it is a UNC or network path, not a file name');
  if (name.startsWith('/') || name.startsWith('\\')) refuse(name, 'it is an absolute path, not a file name');
  if (/^[A-Za-z]:/.test(name)) refuse(name, 'it starts with a drive letter, not a file name');
  if (name.includes('/') || name.includes('\\')) {
    refuse(name, name.split(/[\\/]/).includes('..') ? "it contains '..' and a path separator, which would leave the CredentialSpecs folder" : 'it contains a path separator (/ or \\)');
  }
  if (name.includes(':')) refuse(name, "it contains ':' (a drive letter or an NTFS alternate data stream)");
  const bad = /[<>"|?*]/.exec(name);
  if (bad) refuse(name, `it contains '${bad[0]}', which Windows does not allow in file names`);
  if (LOOKALIKES.test(name)) refuse(name, 'it contains a character that looks like a slash or colon');
  if (name.endsWith('.') || name.endsWith(' ')) refuse(name, 'it ends with a dot or a space, which Windows silently strips');
  if (/^\s/.test(name)) refuse(name, 'it starts with white space');
  return checkedFileName(name);
}

/** The checks of a name that passed the character checks: what `.json` makes of it, devices, length. */
function checkedFileName(name: string): string {
  const fileName = /\.json$/i.test(name) ? name : `${name}.json`;
  if (fileName.length === 5) refuse(name, "there is nothing before '.json'");
  if (isReservedDeviceName(fileName)) {
    refuse(name, `${(fileName.split('.')[0] ?? '').trim().toUpperCase()} is a device name Windows reserves, with any extension`, 'Choose another name, e.g. contoso_webapp01.json.');
  }
  if (fileName.length > MAX_SPEC_NAME_LENGTH) refuse(name, `the file name is longer than ${MAX_SPEC_NAME_LENGTH} characters`, 'Choose a shorter name.');
  return fileName;
}

/**
 * The file name New-CredentialSpec would choose: `<netbios>_<account>.json` in lower case, with the account
 * normalised (no domain, no trailing $). Unlike the PowerShell module it does not strip trailing j/s/o/n
 * letters: account `jason` gives `contoso_jason.json`.
 */
export function defaultSpecFileName(netbios: string, account: string): string {
  const nb = String(netbios ?? '').trim();
  const problem = netbiosNameProblem(nb);
  if (problem) throw new InvalidInputError(problem.message, problem.fix);
  const bare = normalizeAccountName(account);
  return checkSpecName(`${nb.toLowerCase()}_${bare.toLowerCase()}.json`);
}

/**
 * A spec name as the user may type it: `x.json`, `x`, `file://x.json` or the whole security option
 * `credentialspec=file://x.json`. Returns the checked file name (see checkSpecName).
 */
export function specNameFromArg(arg: string): string {
  let v = String(arg ?? '');
  v = credentialSpecValue(v) ?? v;
  if (/^file:\/\//i.test(v)) v = v.slice('file://'.length);
  else if (/^(?:registry|raw|config):\/\//i.test(v)) {
    const scheme = v.slice(0, v.indexOf(':'));
    throw new InvalidInputError(
      `${JSON.stringify(arg)} is a ${scheme}:// credential spec, not a file in the CredentialSpecs folder`,
      'Give the name of a spec file, e.g. contoso_webapp01.json or file://contoso_webapp01.json.',
    );
  }
  return checkSpecName(v);
}
