/**
 * Checks a credential spec and says, for every problem, where it is (a JSON path and, for file bytes, the
 * line and column), what is wrong and what to do. Windows itself never validates the file: a bad spec
 * only shows up as a container that fails to start, or starts without its identity. These checks catch
 * the mistakes people actually make (the gMSA's SID instead of the domain's, "webapp01$", a missing
 * NetBIOS-scope entry, a typo in a key, a file saved as UTF-16 without a BOM...).
 *
 * Nothing in this module throws for any input.
 */
import { SpecInvalidError } from '../errors';
import { JsonNodeLocation, childPath, indexPath, parseJson } from './json';
import {
  CCG_PLUGIN_AZURE_KEY_VAULT,
  CredentialSpec,
  KNOWN_CCG_PLUGINS,
  type KnownCcgPlugin,
  accountNameProblem,
  classifySid,
  isBracedGuid,
  isDnsName,
  knownCcgPlugin,
  netbiosNameProblem,
  parseGuid,
} from './model';
import { parseSpec } from './parse';
import { editDistance } from '../util/text';
import { dns1123LabelProblem } from '../orchestrators/k8s';

export type Severity = 'error' | 'warning';

export interface Finding {
  /** JSON path of the offending node, e.g. `$.DomainJoinConfig.Sid` or `$.ActiveDirectoryConfig.GroupManagedServiceAccounts[1].Scope`. */
  path: string;
  severity: Severity;
  /** Stable identifier of the kind of problem (see FINDING_CODES). */
  code: FindingCode;
  /** What is wrong. */
  message: string;
  /** What to do about it. */
  fix: string;
  /** 1-based position in the file, when the finding comes from file bytes. */
  line?: number;
  column?: number;
}

/** Every finding code with its severity and a one-line summary (for documentation and `--help`). */
export const FINDING_CODES = {
  'file-too-large': { severity: 'error', summary: 'the file is far larger than any credential spec' },
  'encoding-invalid-utf8': { severity: 'error', summary: 'the bytes are not valid UTF-8' },
  'encoding-invalid-utf16': { severity: 'error', summary: 'the file has a UTF-16 BOM but broken UTF-16 after it' },
  'encoding-utf16-no-bom': { severity: 'error', summary: 'the file is UTF-16 without a byte order mark' },
  'encoding-unsupported': { severity: 'error', summary: 'the file uses an encoding specs cannot use (UTF-32)' },
  'json-syntax': { severity: 'error', summary: 'the file is not valid JSON' },
  'json-duplicate-key': { severity: 'warning', summary: 'a key appears twice in the same object' },
  'root-not-object': { severity: 'error', summary: 'the document is not a JSON object' },
  'missing-field': { severity: 'error', summary: 'a required field is absent' },
  'wrong-type': { severity: 'error', summary: 'a field has the wrong JSON type' },
  'unknown-key': { severity: 'warning', summary: 'a key the spec format does not define (often a typo)' },
  'cms-plugins-missing-ad': { severity: 'error', summary: 'CmsPlugins does not contain "ActiveDirectory"' },
  'sid-account-sid': { severity: 'error', summary: "Sid is an account's SID (probably the gMSA's), not the domain's" },
  'sid-not-domain': { severity: 'error', summary: 'Sid is a SID but not a domain SID' },
  'sid-malformed': { severity: 'error', summary: 'Sid is not a SID' },
  'guid-malformed': { severity: 'error', summary: 'Guid is not a GUID' },
  'account-name-empty': { severity: 'error', summary: 'an account name is empty' },
  'account-name-too-long': { severity: 'error', summary: 'an account name is longer than 15 characters' },
  'account-name-invalid-chars': { severity: 'error', summary: 'an account name contains a character AD does not allow' },
  'account-name-dollar': { severity: 'error', summary: "an account name contains '$'" },
  'account-name-domain': { severity: 'error', summary: 'an account name includes a domain part' },
  'netbios-too-long': { severity: 'error', summary: 'NetBiosName is longer than 15 characters' },
  'netbios-invalid': { severity: 'error', summary: 'NetBiosName is empty or contains a dot or a forbidden character' },
  'dns-name-invalid': { severity: 'error', summary: 'DnsName or DnsTreeName is not a DNS name' },
  'dns-name-single-label': { severity: 'warning', summary: 'DnsName or DnsTreeName has no dot' },
  'accounts-empty': { severity: 'error', summary: 'GroupManagedServiceAccounts is empty' },
  'primary-account-missing': { severity: 'error', summary: 'MachineAccountName has no entry in GroupManagedServiceAccounts' },
  'primary-dns-scope-missing': { severity: 'error', summary: 'the primary account has no entry scoped to DnsName' },
  'primary-netbios-scope-missing': { severity: 'error', summary: 'the primary account has no entry scoped to NetBiosName' },
  'scope-empty': { severity: 'error', summary: 'an account entry has an empty Scope' },
  'scope-unknown': { severity: 'warning', summary: "an entry's Scope is neither DnsName nor NetBiosName" },
  'duplicate-account-entry': { severity: 'warning', summary: 'the same Name and Scope appear twice' },
  'host-ccg-version': { severity: 'error', summary: 'PortableCcgVersion is not "1"' },
  'host-plugin-guid': { severity: 'error', summary: 'PluginGUID is not a braced GUID' },
  'host-plugin-unknown': { severity: 'warning', summary: 'PluginGUID names no plugin this tool knows (check the COMClasses registry key)' },
  'host-plugin-input-empty': { severity: 'error', summary: 'PluginInput is empty' },
  'host-azure-input': { severity: 'warning', summary: 'PluginInput for Azure Key Vault is not ObjectId=...;SecretUri=...' },
  'host-aws-input': { severity: 'warning', summary: 'PluginInput for AWS on Windows is not a JSON string with a credentialArn, nor an SSM parameter ARN' },
  'host-fetcher-input': { severity: 'warning', summary: 'PluginInput for aws/credentials-fetcher is not an object with a CredentialArn' },
  'host-fetcher-name': { severity: 'error', summary: 'a name aws/credentials-fetcher refuses (gMSA name characters, DnsName not RFC 1123)' },
  'host-rancher-input': { severity: 'warning', summary: 'PluginInput for Rancher is not <namespace>:<secret-name>' },
  'ad-sid-mismatch': { severity: 'error', summary: "Sid is not the domain's SID in Active Directory (--against-ad)" },
  'ad-guid-mismatch': { severity: 'error', summary: "Guid is not the domain's objectGUID (--against-ad)" },
  'ad-dns-name-mismatch': { severity: 'error', summary: "DnsName is not the domain's DNS name (--against-ad)" },
  'ad-netbios-mismatch': { severity: 'error', summary: "NetBiosName is not the domain's NetBIOS name (--against-ad)" },
  'ad-tree-name-mismatch': { severity: 'error', summary: 'DnsTreeName is not the forest root DNS name (--against-ad)' },
  'ad-account-missing': { severity: 'error', summary: 'an account the spec names does not exist in the domain (--against-ad)' },
  'ad-account-not-gmsa': { severity: 'error', summary: 'an account the spec names is not a gMSA (--against-ad)' },
  'ad-scope-other-domain': { severity: 'error', summary: "the primary account's Scope names another domain (--against-ad)" },
  'ad-scope-unverified': { severity: 'warning', summary: 'an additional account is scoped to another domain, so it is not checked (--against-ad)' },
  'internal-error': { severity: 'error', summary: 'the checker itself failed (a bug)' },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type FindingCode = keyof typeof FINDING_CODES;

/** Specs are a few hundred bytes; anything above this is refused without being parsed. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** True when at least one finding is an error (warnings alone do not make a spec invalid). */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** A spec was refused because of error findings; `findings` holds all of them (errors and warnings). */
export class SpecValidationError extends SpecInvalidError {
  constructor(
    message: string,
    readonly findings: Finding[],
    hint?: string,
  ) {
    super(message, hint);
  }
}

// ---------------------------------------------------------------------------------------------------------

type Json = unknown;
type Obj = Record<string, Json>;

const ROOT_KEYS = ['CmsPlugins', 'DomainJoinConfig', 'ActiveDirectoryConfig'] as const;
const DJC_KEYS = ['Sid', 'MachineAccountName', 'Guid', 'DnsTreeName', 'DnsName', 'NetBiosName'] as const;
const ADC_KEYS = ['GroupManagedServiceAccounts', 'HostAccountConfig'] as const;
const ENTRY_KEYS = ['Name', 'Scope'] as const;
const HOST_KEYS = ['PortableCcgVersion', 'PluginGUID', 'PluginInput'] as const;

/** What each required field should hold, for "add it" fixes. */
const FIELD_HELP: Record<string, string> = {
  CmsPlugins: '["ActiveDirectory"]',
  DomainJoinConfig: 'an object with Sid, MachineAccountName, Guid, DnsTreeName, DnsName and NetBiosName',
  ActiveDirectoryConfig: 'an object with GroupManagedServiceAccounts',
  Sid: "the domain's SID, S-1-5-21-<n>-<n>-<n> (Get-ADDomain | Select DomainSID)",
  MachineAccountName: "the gMSA's name without '$' or domain, e.g. \"webapp01\"",
  Guid: "the domain's objectGUID (Get-ADDomain | Select ObjectGUID)",
  DnsTreeName: 'the forest root DNS name, e.g. "contoso.com"',
  DnsName: 'the domain DNS name, e.g. "contoso.com"',
  NetBiosName: 'the domain NetBIOS name, e.g. "CONTOSO"',
  GroupManagedServiceAccounts: 'a list of {"Name": ..., "Scope": ...} entries',
  Name: "the gMSA's name without '$' or domain",
  Scope: 'the domain DNS name or NetBIOS name',
  PortableCcgVersion: '"1" (a string)',
  PluginGUID: "the plugin's GUID in braces, e.g. \"" + CCG_PLUGIN_AZURE_KEY_VAULT + '"',
  PluginInput: "the plugin's input string",
};

function isObj(v: Json): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasOwn(o: Obj, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

function typeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

/** `$.A.B[2]` → `A.B[2]`, for messages. */
function display(path: string): string {
  if (path === '$') return 'the document';
  return path.startsWith('$.') ? path.slice(2) : path.slice(1);
}

function q(s: string): string {
  return JSON.stringify(s);
}

/** The known key `key` was probably meant to be: same letters in another case, or a near miss. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return sameCase;
  if (key.length < 3) return undefined;
  let best: string | undefined;
  let bestDist = Infinity;
  for (const k of known) {
    const d = Math.abs(lower.length - k.length) > 3 ? 99 : editDistance(lower, k.toLowerCase());
    const limit = Math.min(3, Math.max(1, Math.floor(k.length / 4)));
    if (d <= limit && d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  return best;
}

class Checker {
  readonly findings: Finding[] = [];

  add(code: FindingCode, path: string, message: string, fix: string): void {
    this.findings.push({ path, severity: FINDING_CODES[code].severity, code, message, fix });
  }

  unknownKeys(obj: Obj, path: string, known: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if ((known as readonly string[]).includes(key)) continue;
      const guess = closestKey(key, known);
      const where = path === '$' ? 'at the top level' : `in ${display(path)}`;
      if (guess !== undefined) {
        const sameLetters = guess.toLowerCase() === key.toLowerCase();
        this.add(
          'unknown-key',
          childPath(path, key),
          `unknown key ${q(key)} ${where}; did you mean ${q(guess)}?`,
          sameLetters
            ? `Rename it to ${q(guess)}: key names are case-sensitive.`
            : `Rename it to ${q(guess)} if that is what was meant, otherwise remove it.`,
        );
      } else {
        this.add(
          'unknown-key',
          childPath(path, key),
          `unknown key ${q(key)} ${where}`,
          `Remove it; the keys allowed here are ${known.join(', ')}.`,
        );
      }
    }
  }

  /** Returns the field when present with the right type; reports missing-field / wrong-type otherwise. */
  field(obj: Obj, path: string, key: string, want: 'string' | 'object' | 'array'): Json | undefined {
    const p = childPath(path, key);
    if (!hasOwn(obj, key)) {
      const other = Object.keys(obj).find((k) => k !== key && k.toLowerCase() === key.toLowerCase());
      const where = path === '$' ? 'at the top level' : `in ${display(path)}`;
      this.add(
        'missing-field',
        p,
        `required field ${q(key)} is missing ${where}`,
        other !== undefined
          ? `A key ${q(other)} is present but key names are case-sensitive: rename it to ${q(key)}.`
          : `Add ${q(key)}: ${FIELD_HELP[key] ?? 'see the credential spec format'}.`,
      );
      return undefined;
    }
    const v = obj[key];
    const ok = want === 'string' ? typeof v === 'string' : want === 'array' ? Array.isArray(v) : isObj(v);
    if (!ok) {
      const wantName = want === 'string' ? 'a string' : want === 'array' ? 'an array' : 'an object';
      this.add(
        'wrong-type',
        p,
        `${display(p)} must be ${wantName}, not ${typeName(v)}`,
        `Set ${q(key)} to ${FIELD_HELP[key] ?? wantName}.`,
      );
      return undefined;
    }
    return v;
  }

  sid(value: string, path: string): void {
    const c = classifySid(value);
    switch (c.kind) {
      case 'domain':
        return;
      case 'account':
        this.add(
          'sid-account-sid',
          path,
          `${display(path)} ${q(value)} is an account SID (it ends with a relative ID, ${c.rid}); it looks like the gMSA's own SID, but the domain's SID is wanted`,
          `Use the domain SID ${c.domainSid} (the same value without the final -${c.rid}; Get-ADDomain | Select DomainSID).`,
        );
        return;
      case 'other':
        this.add(
          'sid-not-domain',
          path,
          `${display(path)} ${q(value)} is not a domain SID (a domain SID has the form S-1-5-21-<n>-<n>-<n>)`,
          "Use the domain's SID (Get-ADDomain | Select DomainSID).",
        );
        return;
      default:
        this.add(
          'sid-malformed',
          path,
          `${display(path)} ${q(value)} is not a SID`,
          "Use the domain's SID, S-1-5-21-<n>-<n>-<n> (Get-ADDomain | Select DomainSID).",
        );
    }
  }

  guid(value: string, path: string): void {
    if (parseGuid(value) === undefined) {
      this.add(
        'guid-malformed',
        path,
        `${display(path)} ${q(value)} is not a GUID`,
        "Use the domain's objectGUID in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (Get-ADDomain | Select ObjectGUID).",
      );
    }
  }

  /** Name rules for MachineAccountName and entry Names. Returns the bare name used for matching. */
  accountName(value: string, path: string): string {
    let bare = value;
    const bs = bare.indexOf('\\');
    const at = bare.lastIndexOf('@');
    if (bs >= 0 || at >= 0) {
      bare = bs >= 0 ? bare.slice(bs + 1) : bare.slice(0, at);
      const suggestion = bare.replace(/\$+$/, '');
      this.add(
        'account-name-domain',
        path,
        `${display(path)} ${q(value)} includes a domain part`,
        `Use only the account name${suggestion ? `, ${q(suggestion)}` : ''}; the domain goes in DnsName/NetBiosName and Scope.`,
      );
    }
    if (/\$+$/.test(bare)) {
      bare = bare.replace(/\$+$/, '');
      this.add(
        'account-name-dollar',
        path,
        `${display(path)} ${q(value)} ends with '$'`,
        `Remove the trailing '$'${bare ? ` (write ${q(bare)})` : ''}: the spec names the gMSA without it.`,
      );
    }
    if (value.length === 0) {
      this.add('account-name-empty', path, `${display(path)} is empty`, `Set it to ${FIELD_HELP['MachineAccountName']}.`);
      return bare;
    }
    const problem = accountNameProblem(bare);
    if (problem && problem.code !== 'account-name-empty') {
      this.add(problem.code as FindingCode, path, `${display(path)}: ${problem.message}`, problem.fix);
    } else if (problem) {
      this.add('account-name-empty', path, `${display(path)} ${q(value)} has no account name left once the domain and '$' are removed`, `Set it to ${FIELD_HELP['MachineAccountName']}.`);
    }
    return bare;
  }

  dnsName(value: string, path: string, key: string): void {
    if (!isDnsName(value)) {
      const trailingDot = value.endsWith('.') && isDnsName(value.slice(0, -1));
      this.add(
        'dns-name-invalid',
        path,
        `${display(path)} ${q(value)} is not a DNS name`,
        trailingDot ? 'Remove the trailing dot.' : `Set it to ${FIELD_HELP[key] ?? 'a DNS name'}.`,
      );
    } else if (!value.includes('.')) {
      this.add(
        'dns-name-single-label',
        path,
        `${display(path)} ${q(value)} is a single-label name`,
        `Check that it is the DNS name (e.g. contoso.com) and not the NetBIOS name; single-label AD domains are rare.`,
      );
    }
  }

  netbios(value: string, path: string): void {
    const problem = netbiosNameProblem(value);
    if (problem) this.add(problem.code as FindingCode, path, `${display(path)}: ${problem.message}`, problem.fix);
  }

  hostAccount(host: Obj, path: string, spec: { names: string[]; dnsName: string | undefined }): void {
    this.unknownKeys(host, path, HOST_KEYS);
    const version = this.field(host, path, 'PortableCcgVersion', 'string');
    if (typeof version === 'string' && version !== '1') {
      this.add(
        'host-ccg-version',
        childPath(path, 'PortableCcgVersion'),
        `${display(childPath(path, 'PortableCcgVersion'))} is ${q(version)}; the only version is "1"`,
        'Set "PortableCcgVersion" to "1".',
      );
    }
    const guidPath = childPath(path, 'PluginGUID');
    const guid = this.field(host, path, 'PluginGUID', 'string');
    const inputPath = childPath(path, 'PluginInput');
    const rawInput = hasOwn(host, 'PluginInput') ? host['PluginInput'] : undefined;
    let plugin: KnownCcgPlugin | undefined;
    if (typeof guid === 'string') {
      if (!isBracedGuid(guid)) {
        const bare = parseGuid(guid);
        const placeholder = /^\{?[0-9A-Z]{8}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{12}\}?$/i.test(guid) && bare === undefined;
        this.add(
          'host-plugin-guid',
          guidPath,
          placeholder
            ? `${display(guidPath)} ${q(guid)} has the shape of a GUID but letters that are not hex digits (0-9, A-F): it looks like the documentation's placeholder`
            : `${display(guidPath)} ${q(guid)} is not a GUID in braces`,
          bare !== undefined
            ? `Write it with braces: ${q(`{${bare.toUpperCase()}}`)}.`
            : `Use your plugin's GUID in braces: ${KNOWN_CCG_PLUGINS.filter((p, i, all) => all.findIndex((o) => o.guid === p.guid) === i)
                .map((p) => `${p.guid} (${p.description})`)
                .join(', ')}.`,
        );
      } else {
        plugin = knownCcgPlugin(guid, rawInput);
        if (!plugin) {
          this.add(
            'host-plugin-unknown',
            guidPath,
            `${display(guidPath)} ${guid} is not a plugin this tool knows, so its PluginInput is not checked`,
            `Check that the plugin is installed on the host: HKLM\\SYSTEM\\CurrentControlSet\\Control\\CCG\\COMClasses\\${guid} must exist (CCG event 4 says it does not).`,
          );
        }
      }
    }
    if (!hasOwn(host, 'PluginInput')) {
      this.field(host, path, 'PluginInput', 'string');
      return;
    }
    if (isObj(rawInput)) {
      if (plugin === undefined || plugin.name === 'credentials-fetcher') {
        if (plugin) this.fetcherInput(rawInput, inputPath, spec);
        return;
      }
      this.add(
        'wrong-type',
        inputPath,
        `${display(inputPath)} is an object, but ${plugin.description} reads it as a string (only aws/credentials-fetcher on Linux takes an object)`,
        `Write it as a string: ${plugin.inputFormat}.`,
      );
      return;
    }
    if (typeof rawInput !== 'string') {
      this.add('wrong-type', inputPath, `${display(inputPath)} must be a string, not ${typeName(rawInput)}`, `Set "PluginInput" to ${plugin ? plugin.inputFormat : "the plugin's input string"}.`);
      return;
    }
    const input = rawInput;
    if (input.trim() === '') {
      this.add('host-plugin-input-empty', inputPath, `${display(inputPath)} is empty`, `Give the input the plugin expects${plugin ? ` (${plugin.description}: ${plugin.inputFormat})` : ''}.`);
      return;
    }
    if (plugin?.name === 'azure-keyvault') this.azureInput(input, inputPath);
    if (plugin?.name === 'aws-ecs') this.awsInput(input, inputPath);
    if (plugin?.name === 'rancher') this.rancherInput(input, inputPath);
  }

  private azureInput(input: string, path: string): void {
    const parts = new Map<string, string>();
    for (const piece of input.split(';')) {
      const eq = piece.indexOf('=');
      if (eq < 0) continue;
      parts.set(piece.slice(0, eq).trim().toLowerCase(), piece.slice(eq + 1).trim());
    }
    const missing = ['ObjectId', 'SecretUri'].filter((k) => !parts.get(k.toLowerCase()));
    const fix = 'Write it as ObjectId=<object id of the managed identity>;SecretUri=https://<vault>.vault.azure.net/secrets/<name>.';
    if (missing.length > 0) {
      this.add('host-azure-input', path, `${display(path)} for the Azure Key Vault plugin lacks ${missing.join(' and ')}`, fix);
      return;
    }
    const objectId = parts.get('objectid') ?? '';
    if (parseGuid(objectId) === undefined) {
      this.add('host-azure-input', path, `${display(path)}: ObjectId ${q(objectId)} is not a GUID (the managed identity's object id)`, 'Use the object (principal) id of the managed identity, e.g. from az identity show --query principalId.');
    }
    const uri = parts.get('secreturi') ?? '';
    if (!/^https:\/\/[^/\s]+\/secrets\/[^/\s]+(\/[^/\s]*)?$/i.test(uri)) {
      this.add('host-azure-input', path, `${display(path)}: SecretUri ${q(uri)} is not a Key Vault secret URL`, fix);
    }
  }

  private awsInput(input: string, path: string): void {
    const fix = 'Write it as the JSON string {"credentialArn": "arn:aws:secretsmanager:<region>:<account>:secret:<name>"} (escaped inside the spec), or an SSM parameter ARN arn:aws:ssm:<region>:<account>:parameter/<name>.';
    const trimmed = input.trim();
    if (/^arn:aws[a-z-]*:ssm:[^:]*:\d*:parameter\/\S+$/i.test(trimmed)) return;
    if (/^arn:/i.test(trimmed)) {
      this.add('host-aws-input', path, `${display(path)} for the AWS plugin is a bare ARN ${q(trimmed)}; only an SSM parameter ARN may stand alone`, `Write it as ${q(JSON.stringify({ credentialArn: trimmed }))}.`);
      return;
    }
    const r = parseJson(input, { maxDepth: 16 });
    if (!r.ok) {
      this.add('host-aws-input', path, `${display(path)} for the AWS plugin is not JSON (${r.message})`, fix);
      return;
    }
    const arn = isObj(r.value) && hasOwn(r.value, 'credentialArn') ? r.value['credentialArn'] : undefined;
    if (typeof arn !== 'string' || arn.trim() === '') {
      const other = isObj(r.value) ? Object.keys(r.value).find((k) => k.toLowerCase() === 'credentialarn') : undefined;
      this.add(
        'host-aws-input',
        path,
        `${display(path)} for the AWS plugin has no "credentialArn"${other ? ` (it has ${q(other)}; the key is case-sensitive)` : ''}`,
        fix,
      );
    } else if (!/^arn:aws[a-z-]*:(secretsmanager|ssm):/i.test(arn)) {
      this.add('host-aws-input', path, `${display(path)}: credentialArn ${q(arn)} is not a Secrets Manager or SSM ARN`, fix);
    }
  }

  private fetcherInput(input: Obj, path: string, spec: { names: string[]; dnsName: string | undefined }): void {
    const fix = 'Write it as the object {"CredentialArn": "arn:aws:secretsmanager:<region>:<account>:secret:<name>"}.';
    const arn = hasOwn(input, 'CredentialArn') ? input['CredentialArn'] : undefined;
    if (typeof arn !== 'string' || arn.trim() === '') {
      const other = Object.keys(input).find((k) => k.toLowerCase() === 'credentialarn');
      this.add('host-fetcher-input', path, `${display(path)} for aws/credentials-fetcher has no "CredentialArn"${other ? ` (it has ${q(other)}; the key is case-sensitive)` : ''}`, fix);
    } else if (!/^arn:aws[a-z-]*:secretsmanager:/i.test(arn)) {
      this.add('host-fetcher-input', path, `${display(path)}: CredentialArn ${q(arn)} is not a Secrets Manager ARN`, fix);
    }
    for (const n of spec.names) {
      const bad = /[&:\][+|;$*?<>! /\\'`~]/.exec(n);
      if (bad) {
        this.add('host-fetcher-name', '$.DomainJoinConfig.MachineAccountName', `aws/credentials-fetcher refuses the gMSA name ${q(n)}: it contains ${q(bad[0])}`, 'Use a gMSA whose name has none of & : ] [ + | ; $ * ? < > ! space / \\ \' ` ~.');
      }
    }
    if (spec.dnsName !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(spec.dnsName)) {
      this.add('host-fetcher-name', '$.DomainJoinConfig.DnsName', `aws/credentials-fetcher refuses DnsName ${q(spec.dnsName)}: it is not an RFC 1123 host name (letters, digits and hyphens)`, 'Use the domain DNS name as AD reports it.');
    }
  }

  private rancherInput(input: string, path: string): void {
    const fix = 'Write it as <namespace>:<secret-name>, both Kubernetes names (lower-case letters, digits and hyphens).';
    const parts = input.split(':');
    if (parts.length !== 2) {
      this.add('host-rancher-input', path, `${display(path)} for the Rancher plugin is not <namespace>:<secret-name>`, fix);
      return;
    }
    const [ns, secret] = parts as [string, string];
    for (const [what, v] of [['namespace', ns], ['secret name', secret]] as const) {
      const problem = dns1123LabelProblem(v);
      if (problem) this.add('host-rancher-input', path, `${display(path)}: the ${what} ${q(v)} is not a Kubernetes name (${problem})`, fix);
    }
  }
}

/**
 * Checks a parsed spec document. Never throws; returns every finding (empty when the spec is good).
 * Findings carry paths but no positions; validateSpecBytes adds those.
 */
export function validateSpecValue(value: unknown): Finding[] {
  const c = new Checker();
  try {
    check(c, value);
  } catch (err) {
    c.add('internal-error', '$', `the spec could not be checked: ${String(err)}`, 'Please report this as a bug in docker gmsa.');
  }
  return c.findings;
}

function check(c: Checker, root: Json): void {
  if (!isObj(root)) {
    c.add(
      'root-not-object',
      '$',
      `the document is ${typeName(root)}, not a JSON object`,
      'A credential spec is an object with CmsPlugins, DomainJoinConfig and ActiveDirectoryConfig; create one with docker gmsa spec create.',
    );
    return;
  }
  c.unknownKeys(root, '$', ROOT_KEYS);

  const cms = c.field(root, '$', 'CmsPlugins', 'array');
  if (Array.isArray(cms)) {
    cms.forEach((p, i) => {
      if (typeof p !== 'string') {
        c.add('wrong-type', indexPath('$.CmsPlugins', i), `CmsPlugins[${i}] must be a string, not ${typeName(p)}`, 'Set CmsPlugins to ["ActiveDirectory"].');
      }
    });
    if (!cms.includes('ActiveDirectory')) {
      const wrongCase = cms.find((p) => typeof p === 'string' && p.toLowerCase() === 'activedirectory');
      c.add(
        'cms-plugins-missing-ad',
        '$.CmsPlugins',
        wrongCase !== undefined ? `CmsPlugins has ${q(wrongCase as string)} but not "ActiveDirectory" (case matters)` : 'CmsPlugins does not contain "ActiveDirectory"',
        'Set CmsPlugins to ["ActiveDirectory"].',
      );
    }
  }

  let machine: string | undefined;
  let dnsName: string | undefined;
  let netbios: string | undefined;
  const djcPath = '$.DomainJoinConfig';
  const djc = c.field(root, '$', 'DomainJoinConfig', 'object');
  if (isObj(djc)) {
    c.unknownKeys(djc, djcPath, DJC_KEYS);
    const sid = c.field(djc, djcPath, 'Sid', 'string');
    if (typeof sid === 'string') c.sid(sid, `${djcPath}.Sid`);
    const m = c.field(djc, djcPath, 'MachineAccountName', 'string');
    if (typeof m === 'string') machine = c.accountName(m, `${djcPath}.MachineAccountName`);
    const guid = c.field(djc, djcPath, 'Guid', 'string');
    if (typeof guid === 'string') c.guid(guid, `${djcPath}.Guid`);
    const tree = c.field(djc, djcPath, 'DnsTreeName', 'string');
    if (typeof tree === 'string') c.dnsName(tree, `${djcPath}.DnsTreeName`, 'DnsTreeName');
    const dns = c.field(djc, djcPath, 'DnsName', 'string');
    if (typeof dns === 'string') {
      dnsName = dns;
      c.dnsName(dns, `${djcPath}.DnsName`, 'DnsName');
    }
    const nb = c.field(djc, djcPath, 'NetBiosName', 'string');
    if (typeof nb === 'string') {
      netbios = nb;
      c.netbios(nb, `${djcPath}.NetBiosName`);
    }
  }

  const adcPath = '$.ActiveDirectoryConfig';
  const adc = c.field(root, '$', 'ActiveDirectoryConfig', 'object');
  if (!isObj(adc)) return;
  c.unknownKeys(adc, adcPath, ADC_KEYS);
  const listPath = `${adcPath}.GroupManagedServiceAccounts`;
  const list = c.field(adc, adcPath, 'GroupManagedServiceAccounts', 'array');
  if (Array.isArray(list)) {
    checkAccounts(c, list, listPath, machine, dnsName, netbios);
  }
  if (hasOwn(adc, 'HostAccountConfig')) {
    const host = adc['HostAccountConfig'];
    const hostPath = `${adcPath}.HostAccountConfig`;
    if (isObj(host)) c.hostAccount(host, hostPath, { names: accountNames(list, machine), dnsName });
    else {
      c.add(
        'wrong-type',
        hostPath,
        `ActiveDirectoryConfig.HostAccountConfig must be an object, not ${typeName(host)}`,
        'Set it to {"PortableCcgVersion": "1", "PluginGUID": "{...}", "PluginInput": "..."}, or remove it on domain-joined hosts.',
      );
    }
  }
}

/** The gMSA names a spec uses (MachineAccountName and every entry's Name). */
function accountNames(list: Json, machine: string | undefined): string[] {
  const names = new Set<string>(machine ? [machine] : []);
  if (Array.isArray(list)) for (const e of list) if (isObj(e) && typeof e['Name'] === 'string') names.add(e['Name']);
  return [...names];
}

function checkAccounts(c: Checker, list: Json[], listPath: string, machine: string | undefined, dnsName: string | undefined, netbios: string | undefined): void {
  if (list.length === 0) {
    c.add(
      'accounts-empty',
      listPath,
      'ActiveDirectoryConfig.GroupManagedServiceAccounts is empty',
      'Add the gMSA twice, once with the domain DNS name and once with the NetBIOS name as Scope.',
    );
    return;
  }
  const entries: { name: string; scope: string | undefined; path: string }[] = [];
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    const p = indexPath(listPath, i);
    if (!isObj(entry)) {
      c.add('wrong-type', p, `${display(p)} must be an object, not ${typeName(entry)}`, 'Write each entry as {"Name": "webapp01", "Scope": "contoso.com"}.');
      return;
    }
    c.unknownKeys(entry, p, ENTRY_KEYS);
    const name = c.field(entry, p, 'Name', 'string');
    const scope = c.field(entry, p, 'Scope', 'string');
    let bare: string | undefined;
    if (typeof name === 'string') bare = c.accountName(name, `${p}.Name`);
    if (typeof scope === 'string') {
      const sp = `${p}.Scope`;
      if (scope.trim() === '') {
        c.add('scope-empty', sp, `${display(sp)} is empty`, `Set it to the domain DNS name${dnsName ? ` (${q(dnsName)})` : ''} or NetBIOS name${netbios ? ` (${q(netbios)})` : ''}.`);
      } else if (dnsName !== undefined && netbios !== undefined) {
        const s = scope.toLowerCase();
        if (s !== dnsName.toLowerCase() && s !== netbios.toLowerCase()) {
          c.add(
            'scope-unknown',
            sp,
            `${display(sp)} ${q(scope)} matches neither DnsName ${q(dnsName)} nor NetBiosName ${q(netbios)}`,
            'Fine for an account from another (trusted) domain; otherwise set it to the DnsName or NetBiosName value.',
          );
        }
      }
    }
    if (bare !== undefined) {
      if (typeof scope === 'string') {
        const key = `${bare.toLowerCase()}\u0000${scope.toLowerCase()}`;
        if (seen.has(key)) {
          c.add('duplicate-account-entry', p, `${display(p)} repeats an earlier entry (${q(bare)} with Scope ${q(scope)})`, 'Remove the repeated entry.');
        }
        seen.add(key);
      }
      entries.push({ name: bare, scope: typeof scope === 'string' ? scope : undefined, path: p });
    }
  });

  if (machine === undefined || machine === '') return;
  const mine = entries.filter((e) => e.name.toLowerCase() === machine.toLowerCase());
  if (mine.length === 0) {
    c.add(
      'primary-account-missing',
      listPath,
      `the primary account ${q(machine)} (DomainJoinConfig.MachineAccountName) has no entry in GroupManagedServiceAccounts`,
      `Add {"Name": ${q(machine)}, "Scope": ${q(dnsName ?? '<DnsName>')}} and {"Name": ${q(machine)}, "Scope": ${q(netbios ?? '<NetBiosName>')}}.`,
    );
    return;
  }
  if (dnsName !== undefined && !mine.some((e) => e.scope !== undefined && e.scope.toLowerCase() === dnsName.toLowerCase())) {
    c.add(
      'primary-dns-scope-missing',
      listPath,
      `the primary account ${q(machine)} has no entry whose Scope is the domain DNS name ${q(dnsName)}`,
      `Add {"Name": ${q(machine)}, "Scope": ${q(dnsName)}} to GroupManagedServiceAccounts.`,
    );
  }
  if (netbios !== undefined && !mine.some((e) => e.scope !== undefined && e.scope.toLowerCase() === netbios.toLowerCase())) {
    c.add(
      'primary-netbios-scope-missing',
      listPath,
      `the primary account ${q(machine)} has no entry whose Scope is the domain NetBIOS name ${q(netbios)}`,
      `Add {"Name": ${q(machine)}, "Scope": ${q(netbios)}} to GroupManagedServiceAccounts.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------

const LAST_SEGMENT = /(?:\.[A-Za-z_$][A-Za-z0-9_$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])$/;

function parentPath(path: string): string | undefined {
  if (path === '$') return undefined;
  const m = LAST_SEGMENT.exec(path);
  if (!m || m.index === 0) return '$';
  return path.slice(0, m.index);
}

function locate(f: Finding, locations: Map<string, JsonNodeLocation>): void {
  const keyFirst = f.code === 'unknown-key';
  let p: string | undefined = f.path;
  while (p !== undefined) {
    const loc = locations.get(p);
    if (loc) {
      const pos = keyFirst && loc.key ? loc.key : loc.value;
      f.line = pos.line;
      f.column = pos.column;
      return;
    }
    p = parentPath(p);
  }
}

export interface ValidateBytesResult {
  /** The spec, typed, when it has no error findings (warnings allowed). */
  spec?: CredentialSpec;
  /** The parsed document whenever the bytes were valid JSON, even when it has errors. */
  value?: unknown;
  findings: Finding[];
  /** How the bytes were encoded, when they could be decoded. */
  encoding?: string;
}

/**
 * Decodes, parses and checks spec file bytes. Never throws. Every finding gets a line and column when the
 * text could be decoded. `extra` adds findings about the parsed document (--against-ad); it must not throw.
 */
export function validateSpecBytes(buf: Buffer, opts: { extra?: (value: unknown) => Finding[] } = {}): ValidateBytesResult {
  try {
    return validateBytes(buf, opts.extra);
  } catch (err) {
    return {
      findings: [
        {
          path: '$',
          severity: 'error',
          code: 'internal-error',
          message: `the spec could not be checked: ${String(err)}`,
          fix: 'Please report this as a bug in docker gmsa.',
        },
      ],
    };
  }
}

function validateBytes(input: Buffer, extra?: (value: unknown) => Finding[]): ValidateBytesResult {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input as unknown as Uint8Array);
  if (buf.length > MAX_SPEC_BYTES) {
    return {
      findings: [
        {
          path: '$',
          severity: 'error',
          code: 'file-too-large',
          message: `the file is ${buf.length} bytes; a credential spec is well under 1 MiB`,
          fix: 'Check that this is the right file.',
          line: 1,
          column: 1,
        },
      ],
    };
  }
  const r = parseSpec(buf);
  if (!r.ok) {
    if (r.kind === 'encoding') {
      const f: Finding = { path: '$', severity: 'error', code: r.code, message: r.message, fix: r.hint };
      if (r.line !== undefined) f.line = r.line;
      if (r.column !== undefined) f.column = r.column;
      return { findings: [f] };
    }
    return {
      encoding: r.encoding,
      findings: [
        {
          path: '$',
          severity: 'error',
          code: 'json-syntax',
          message: `invalid JSON at line ${r.line}, column ${r.column}: ${r.message}`,
          fix: r.hint ?? 'Fix the JSON at that position (strict JSON: double quotes, no comments, no trailing commas).',
          line: r.line,
          column: r.column,
        },
      ],
    };
  }
  const findings = validateSpecValue(r.value);
  if (extra) findings.push(...extra(r.value));
  for (const f of findings) locate(f, r.locations);
  for (const d of r.duplicateKeys) {
    const parent = parentPath(d.path) ?? '$';
    findings.push({
      path: d.path,
      severity: 'warning',
      code: 'json-duplicate-key',
      message: `key ${q(d.key)} appears more than once ${parent === '$' ? 'at the top level' : `in ${display(parent)}`}; readers disagree on which value counts (this tool uses the last)`,
      fix: `Keep a single ${q(d.key)} and delete the others.`,
      line: d.line,
      column: d.column,
    });
  }
  const ordered = findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => (a.f.line ?? 0) - (b.f.line ?? 0) || (a.f.column ?? 0) - (b.f.column ?? 0) || a.i - b.i)
    .map((x) => x.f);
  const result: ValidateBytesResult = { value: r.value, findings: ordered, encoding: r.encoding };
  if (!hasErrors(ordered)) result.spec = r.value as unknown as CredentialSpec;
  return result;
}
