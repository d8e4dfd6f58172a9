/**
 * The credential spec document: its TypeScript shape, the rules for the identifiers inside it (domain SID,
 * domain GUID, account and domain names) and the builder that produces the same document the
 * CredentialSpec PowerShell module's New-CredentialSpec writes.
 *
 * Everything here is pure: no file system, no network.
 */
import { InvalidInputError } from '../errors';

/** What the builder needs to know about the gMSA's domain (normally read from AD). */
export interface DomainFacts {
  /** Domain DNS name, e.g. contoso.com. */
  dnsName: string;
  /** Domain NetBIOS name, e.g. CONTOSO. */
  netbiosName: string;
  /** The domain's objectSid, S-1-5-21-a-b-c (not the gMSA's SID). */
  domainSid: string;
  /** The domain's objectGUID, with or without braces. */
  domainGuid: string;
  /** Forest root DNS name; defaults to dnsName (a single-domain forest). */
  forestDnsName?: string;
}

/** ActiveDirectoryConfig.HostAccountConfig: used by container credential guard plugins on hosts that are not domain joined. */
export interface HostAccountConfig {
  PortableCcgVersion: string;
  PluginGUID: string;
  /** A string for every plugin; aws/credentials-fetcher (Linux) alone takes a JSON object. */
  PluginInput: string | Record<string, unknown>;
}

export interface GroupManagedServiceAccount {
  Name: string;
  Scope: string;
}

export interface DomainJoinConfig {
  Sid: string;
  MachineAccountName: string;
  Guid: string;
  DnsTreeName: string;
  DnsName: string;
  NetBiosName: string;
}

export interface ActiveDirectoryConfig {
  GroupManagedServiceAccounts: GroupManagedServiceAccount[];
  HostAccountConfig?: HostAccountConfig;
}

/** The JSON document Windows reads when a container starts with `credentialspec=...`. */
export interface CredentialSpec {
  CmsPlugins: string[];
  DomainJoinConfig: DomainJoinConfig;
  ActiveDirectoryConfig: ActiveDirectoryConfig;
}

// ---------------------------------------------------------------------------------------------------------
// Container credential guard (CCG) plugins

/** CCG plugin that reads the host account's secret from Azure Key Vault. */
export const CCG_PLUGIN_AZURE_KEY_VAULT = '{CCC2A336-D7F3-4818-A213-272B7924213E}';
/** CCG plugin of the Amazon ECS agent for domainless gMSA (secret in AWS Secrets Manager / SSM); aws/credentials-fetcher uses the same GUID. */
export const CCG_PLUGIN_AWS_ECS = '{859E1386-BDB4-49E8-85C7-3070B13920E1}';
/** Rancher's CCG plugin (CCGRKC): the secret is a Kubernetes Secret. */
export const CCG_PLUGIN_RANCHER = '{E4781092-F116-4B79-B55E-28EB6A224E26}';

export interface KnownCcgPlugin {
  /** The short name accepted by resolveCcgPlugin. */
  name: 'azure-keyvault' | 'aws-ecs' | 'credentials-fetcher' | 'rancher';
  guid: string;
  description: string;
  /** The shape PluginInput takes for this plugin, for help texts. */
  inputFormat: string;
}

export const KNOWN_CCG_PLUGINS: readonly KnownCcgPlugin[] = [
  {
    name: 'azure-keyvault',
    guid: CCG_PLUGIN_AZURE_KEY_VAULT,
    description: 'Azure Key Vault',
    inputFormat: 'ObjectId=<managed identity object id>;SecretUri=<https://vault.vault.azure.net/secrets/name>',
  },
  {
    name: 'aws-ecs',
    guid: CCG_PLUGIN_AWS_ECS,
    description: 'Amazon ECS domainless gMSA',
    inputFormat: 'a JSON string {"credentialArn": "arn:aws:secretsmanager:..."}, or arn:aws:ssm:...:parameter/...',
  },
  {
    name: 'credentials-fetcher',
    guid: CCG_PLUGIN_AWS_ECS,
    description: 'aws/credentials-fetcher (Linux)',
    inputFormat: 'a JSON object {"CredentialArn": "arn:aws:secretsmanager:..."}',
  },
  {
    name: 'rancher',
    guid: CCG_PLUGIN_RANCHER,
    description: 'Rancher (CCGRKC)',
    inputFormat: '<namespace>:<secret-name>',
  },
];

/**
 * The known plugin whose GUID is `guid` (any case, with or without braces), if any. AWS on Windows and
 * aws/credentials-fetcher share a GUID: an object PluginInput means credentials-fetcher.
 */
export function knownCcgPlugin(guid: string, input?: unknown): KnownCcgPlugin | undefined {
  const bare = parseGuid(guid);
  if (bare === undefined) return undefined;
  const objectInput = typeof input === 'object' && input !== null && !Array.isArray(input);
  const all = KNOWN_CCG_PLUGINS.filter((p) => parseGuid(p.guid) === bare);
  return (objectInput ? all.find((p) => p.name === 'credentials-fetcher') : undefined) ?? all[0];
}

const AWS_ARN = /^arn:aws[a-z-]*:(secretsmanager|ssm):/i;

/**
 * The HostAccountConfig for `--ccg-plugin NAME|GUID --ccg-input INPUT`, in the form the plugin documents:
 * for aws-ecs a Secrets Manager ARN becomes the JSON string {"credentialArn": ARN} (an SSM parameter ARN
 * or JSON text stays as given); for credentials-fetcher an ARN becomes the object {"CredentialArn": ARN}
 * and JSON text is parsed into the object. Throws InvalidInputError for an unknown plugin or bad input.
 */
export function ccgHostAccount(plugin: string, input: string): HostAccountConfig {
  const guid = resolveCcgPlugin(plugin);
  const name = plugin.trim().toLowerCase();
  const v = input.trim();
  let pluginInput: HostAccountConfig['PluginInput'] = input;
  if (name === 'aws-ecs' && /^arn:aws[a-z-]*:secretsmanager:/i.test(v)) {
    pluginInput = JSON.stringify({ credentialArn: v });
  } else if (name === 'credentials-fetcher') {
    if (AWS_ARN.test(v)) pluginInput = { CredentialArn: v };
    else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new InvalidInputError(
          `--ccg-input for credentials-fetcher must be a Secrets Manager ARN or a JSON object, not ${JSON.stringify(input)}`,
          'Give the ARN of the secret: --ccg-input arn:aws:secretsmanager:<region>:<account>:secret:<name>.',
        );
      }
      pluginInput = parsed as Record<string, unknown>;
    }
  }
  return checkHostAccount({ PortableCcgVersion: '1', PluginGUID: guid, PluginInput: pluginInput });
}

/**
 * Resolves a plugin given as `azure-keyvault`, `aws-ecs`, `credentials-fetcher`, `rancher` (any case) or a GUID (with or without braces)
 * to the braced upper-case GUID form used in PluginGUID. Throws InvalidInputError for anything else.
 */
export function resolveCcgPlugin(nameOrGuid: string): string {
  const v = String(nameOrGuid ?? '').trim();
  const byName = KNOWN_CCG_PLUGINS.find((p) => p.name === v.toLowerCase());
  if (byName) return byName.guid;
  const bare = parseGuid(v);
  if (bare !== undefined) return `{${bare.toUpperCase()}}`;
  throw new InvalidInputError(
    `unknown credential guard plugin ${JSON.stringify(nameOrGuid)}`,
    `Use azure-keyvault, aws-ecs, credentials-fetcher, rancher or the plugin's GUID, e.g. ${CCG_PLUGIN_AZURE_KEY_VAULT}.`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Identifier rules shared by the builder and the validator

/** A gMSA's sAMAccountName without the trailing $ is at most 15 characters (the NetBIOS computer name limit). */
export const MAX_ACCOUNT_NAME_LENGTH = 15;
/** NetBIOS names are at most 15 characters. */
export const MAX_NETBIOS_NAME_LENGTH = 15;

export type SidClass =
  /** S-1-5-21-a-b-c: what DomainJoinConfig.Sid must be. */
  | { kind: 'domain'; sid: string }
  /** S-1-5-21-a-b-c-RID: a user, group, computer or gMSA in that domain. */
  | { kind: 'account'; sid: string; domainSid: string; rid: string }
  /** A well-formed SID that is not a domain SID (S-1-5-32-544, S-1-5-21-1-2, ...). */
  | { kind: 'other'; sid: string }
  | { kind: 'malformed' };

const SID_PATTERN = /^S-1-(\d{1,15})((?:-\d{1,10}){1,15})$/i;
const MAX_SUB_AUTHORITY = 4294967295;

/**
 * Tells a domain SID from an account SID from anything else. Accepts a lower-case "s" and leading zeros
 * (Windows does); `sid` in the result is the canonical form (upper-case S, no leading zeros).
 */
export function classifySid(value: string): SidClass {
  if (typeof value !== 'string') return { kind: 'malformed' };
  const m = SID_PATTERN.exec(value);
  if (!m) return { kind: 'malformed' };
  const authority = Number(m[1]);
  const subs = (m[2] ?? '').slice(1).split('-').map(Number);
  if (subs.some((n) => !Number.isSafeInteger(n) || n > MAX_SUB_AUTHORITY)) return { kind: 'malformed' };
  const sid = `S-1-${authority}-${subs.join('-')}`;
  if (authority === 5 && subs[0] === 21) {
    if (subs.length === 4) return { kind: 'domain', sid };
    if (subs.length === 5) {
      return { kind: 'account', sid, domainSid: `S-1-5-${subs.slice(0, 4).join('-')}`, rid: String(subs[4]) };
    }
  }
  return { kind: 'other', sid };
}

const GUID_PATTERN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The GUID in lower case without braces, or undefined when `value` is not a GUID (braces optional, but both or neither). */
export function parseGuid(value: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  let v = value;
  if (v.startsWith('{') && v.endsWith('}')) v = v.slice(1, -1);
  const m = GUID_PATTERN.exec(v);
  return m ? v.toLowerCase() : undefined;
}

/** True for `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` (any case): the form PluginGUID takes. */
export function isBracedGuid(value: string): boolean {
  return typeof value === 'string' && value.startsWith('{') && value.endsWith('}') && parseGuid(value) !== undefined;
}

/**
 * A DNS name as AD uses it: dot-separated labels of letters, digits, '-' (and '_'), each 1-63 characters,
 * not starting or ending with '-', 253 characters at most. A single label is accepted here (the validator
 * warns about it separately). No trailing dot.
 */
export function isDnsName(value: string): boolean {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253) return false;
  return value.split('.').every((label) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
}

/** A problem with a name, in the form both the builder (as an exception) and the validator (as a finding) use. */
export interface NameProblem {
  code: string;
  message: string;
  fix: string;
}

const NETBIOS_FORBIDDEN = /[\\/:*?"<>|.\s\u0000-\u001f\u007f]/;

/** What is wrong with a domain NetBIOS name, if anything. */
export function netbiosNameProblem(value: string): NameProblem | undefined {
  if (typeof value !== 'string' || value.length === 0) {
    return { code: 'netbios-invalid', message: 'the NetBIOS domain name is empty', fix: 'Use the domain NetBIOS name, e.g. CONTOSO (Get-ADDomain | Select NetBIOSName).' };
  }
  if (value.length > MAX_NETBIOS_NAME_LENGTH && [...value].length > MAX_NETBIOS_NAME_LENGTH) {
    return {
      code: 'netbios-too-long',
      message: `the NetBIOS domain name ${JSON.stringify(value)} is longer than ${MAX_NETBIOS_NAME_LENGTH} characters`,
      fix: 'Use the short (pre-Windows 2000) domain name, e.g. CONTOSO, not the DNS name.',
    };
  }
  const bad = NETBIOS_FORBIDDEN.exec(value);
  if (bad) {
    const what = bad[0] === '.' ? "a dot ('.'), which suggests a DNS name" : `the character ${describeCharacter(bad[0])}`;
    return {
      code: 'netbios-invalid',
      message: `the NetBIOS domain name ${JSON.stringify(value)} contains ${what}`,
      fix: 'Use the short (pre-Windows 2000) domain name, e.g. CONTOSO (Get-ADDomain | Select NetBIOSName).',
    };
  }
  return undefined;
}

/** Characters AD refuses in sAMAccountName, plus white space and control characters. */
const ACCOUNT_FORBIDDEN = /["/\\[\]:;|=,+*?<>@\s\u0000-\u001f\u007f]/;

function describeCharacter(ch: string): string {
  if (ch === ' ') return 'a space';
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f || /\s/.test(ch)) return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${ch}'`;
}

/** Splits `DOMAIN\name$` or `name@domain` into the bare name and the domain part. Does not validate. */
export function splitAccountName(input: string): { name: string; domain?: string; hadDollar: boolean } {
  let name = String(input ?? '').trim();
  let domain: string | undefined;
  const bs = name.indexOf('\\');
  if (bs >= 0) {
    domain = name.slice(0, bs);
    name = name.slice(bs + 1);
  } else {
    const at = name.lastIndexOf('@');
    if (at >= 0) {
      domain = name.slice(at + 1);
      name = name.slice(0, at);
    }
  }
  const hadDollar = name.endsWith('$');
  if (hadDollar) name = name.slice(0, -1);
  return domain === undefined ? { name, hadDollar } : { name, domain, hadDollar };
}

/**
 * What is wrong with a bare account name (no domain, no trailing $), if anything: empty, too long, a `$`
 * left inside, or a character AD does not allow.
 */
export function accountNameProblem(bare: string): NameProblem | undefined {
  if (bare.length === 0) {
    return { code: 'account-name-empty', message: 'the account name is empty', fix: 'Give the gMSA name, e.g. webapp01.' };
  }
  if (bare.length > MAX_ACCOUNT_NAME_LENGTH && [...bare].length > MAX_ACCOUNT_NAME_LENGTH) {
    return {
      code: 'account-name-too-long',
      message: `the account name ${JSON.stringify(bare)} is longer than ${MAX_ACCOUNT_NAME_LENGTH} characters`,
      fix: `A gMSA's sAMAccountName is at most ${MAX_ACCOUNT_NAME_LENGTH} characters plus '$'; use the account's sAMAccountName (Get-ADServiceAccount NAME | Select SamAccountName).`,
    };
  }
  if (bare.includes('$')) {
    return {
      code: 'account-name-dollar',
      message: `the account name ${JSON.stringify(bare)} contains '$'`,
      fix: "Use the gMSA name without the trailing '$' (webapp01, not webapp01$).",
    };
  }
  const bad = ACCOUNT_FORBIDDEN.exec(bare);
  if (bad) {
    return {
      code: 'account-name-invalid-chars',
      message: `the account name ${JSON.stringify(bare)} contains ${describeCharacter(bad[0])}, which Active Directory does not allow`,
      fix: 'Account names cannot contain " / \\ [ ] : ; | = , + * ? < > @ or spaces; use the gMSA\'s sAMAccountName.',
    };
  }
  if (/^\.+$/.test(bare)) {
    return {
      code: 'account-name-invalid-chars',
      message: `the account name ${JSON.stringify(bare)} consists only of dots`,
      fix: "Use the gMSA's sAMAccountName.",
    };
  }
  return undefined;
}

/**
 * Accepts `name`, `name$`, `DOMAIN\name` or `name@domain` and returns the bare name in the user's case.
 * Throws InvalidInputError naming the value and the fix when the bare name is not a valid gMSA name.
 */
export function normalizeAccountName(input: string): string {
  const { name } = splitAccountName(input);
  const problem = accountNameProblem(name);
  if (problem) {
    throw new InvalidInputError(`invalid account name ${JSON.stringify(input)}: ${problem.message}`, problem.fix);
  }
  return name;
}

// ---------------------------------------------------------------------------------------------------------
// Builder

function normalizeDomainSid(value: string): string {
  const c = classifySid(String(value ?? '').trim());
  switch (c.kind) {
    case 'domain':
      return c.sid;
    case 'account':
      throw new InvalidInputError(
        `${JSON.stringify(value)} is an account SID, not a domain SID: it ends with a relative ID (${c.rid}) after the domain part`,
        `Use the domain's SID, ${c.domainSid} (Get-ADDomain | Select DomainSID), not the gMSA's own SID.`,
      );
    case 'other':
      throw new InvalidInputError(
        `${JSON.stringify(value)} is not a domain SID (a domain SID has the form S-1-5-21-<n>-<n>-<n>)`,
        "Use the domain's SID (Get-ADDomain | Select DomainSID).",
      );
    default:
      throw new InvalidInputError(
        `${JSON.stringify(value)} is not a SID (expected S-1-5-21-<n>-<n>-<n>)`,
        "Use the domain's SID (Get-ADDomain | Select DomainSID).",
      );
  }
}

function normalizeDomainGuid(value: string): string {
  const g = parseGuid(String(value ?? '').trim());
  if (g === undefined) {
    throw new InvalidInputError(
      `${JSON.stringify(value)} is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`,
      "Use the domain's objectGUID (Get-ADDomain | Select ObjectGUID).",
    );
  }
  return g;
}

function checkDnsName(value: string, what: string): string {
  const v = String(value ?? '').trim();
  if (!isDnsName(v)) {
    throw new InvalidInputError(
      `${JSON.stringify(value)} is not a valid ${what} (expected something like contoso.com)`,
      `Use the ${what} as AD reports it (Get-ADDomain | Select DNSRoot, Forest).`,
    );
  }
  return v;
}

function checkHostAccount(h: HostAccountConfig): HostAccountConfig {
  if (h.PortableCcgVersion !== '1') {
    throw new InvalidInputError(
      `unsupported PortableCcgVersion ${JSON.stringify(h.PortableCcgVersion)}`,
      'The only version Windows knows is "1".',
    );
  }
  const guid = resolveCcgPlugin(h.PluginGUID);
  const input = h.PluginInput;
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    if (guid !== CCG_PLUGIN_AWS_ECS) {
      throw new InvalidInputError(
        'the credential guard plugin input is an object, which only aws/credentials-fetcher accepts',
        'Give PluginInput as a string for this plugin.',
      );
    }
    return { PortableCcgVersion: '1', PluginGUID: guid, PluginInput: input };
  }
  if (typeof input !== 'string' || input.trim() === '') {
    throw new InvalidInputError(
      'the credential guard plugin input is empty',
      'Give the input the plugin expects, e.g. ObjectId=...;SecretUri=... for Azure Key Vault.',
    );
  }
  return { PortableCcgVersion: '1', PluginGUID: guid, PluginInput: input };
}

/**
 * Builds the credential spec New-CredentialSpec would write.
 *
 * `accounts[0]` is the primary gMSA (MachineAccountName): it gets a DNS-scope entry then a NetBIOS-scope
 * entry. Every further account gets a DNS-scope entry only, as the PowerShell module does. Names may be
 * given as `name`, `name$`, `DOMAIN\name` or `name@domain`; the bare name is stored, in the case given.
 * Repeated accounts (compared case-insensitively) are dropped. Throws InvalidInputError for a bad input.
 */
export function buildCredentialSpec(
  facts: DomainFacts,
  accounts: string[],
  opts?: { hostAccount?: HostAccountConfig },
): CredentialSpec {
  return credentialSpecBuilder(facts, opts)(accounts);
}

/**
 * buildCredentialSpec for many specs of one domain: the domain facts (and the host account) are checked
 * once, here, and the function returned builds the spec for each list of accounts.
 */
export function credentialSpecBuilder(facts: DomainFacts, opts?: { hostAccount?: HostAccountConfig }): (accounts: string[]) => CredentialSpec {
  const sid = normalizeDomainSid(facts.domainSid);
  const guid = normalizeDomainGuid(facts.domainGuid);
  const dnsName = checkDnsName(facts.dnsName, 'domain DNS name');
  const treeName = facts.forestDnsName === undefined || facts.forestDnsName === '' ? dnsName : checkDnsName(facts.forestDnsName, 'forest DNS name');
  const netbios = String(facts.netbiosName ?? '').trim();
  const nbProblem = netbiosNameProblem(netbios);
  if (nbProblem) throw new InvalidInputError(nbProblem.message, nbProblem.fix);
  const hostAccount = opts?.hostAccount ? checkHostAccount(opts.hostAccount) : undefined;

  return (accounts) => {
    if (!Array.isArray(accounts) || accounts.length === 0) {
      throw new InvalidInputError('no gMSA account given', 'Name at least one group managed service account, e.g. webapp01.');
    }
    const names: string[] = [];
    const seen = new Set<string>();
    for (const a of accounts) {
      const bare = normalizeAccountName(a);
      const key = bare.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      names.push(bare);
    }
    const primary = names[0] as string;

    const entries: GroupManagedServiceAccount[] = [
      { Name: primary, Scope: dnsName },
      { Name: primary, Scope: netbios },
      ...names.slice(1).map((n) => ({ Name: n, Scope: dnsName })),
    ];
    const adConfig: ActiveDirectoryConfig = { GroupManagedServiceAccounts: entries };
    if (hostAccount) adConfig.HostAccountConfig = hostAccount;

    return {
      CmsPlugins: ['ActiveDirectory'],
      DomainJoinConfig: {
        Sid: sid,
        MachineAccountName: primary,
        Guid: guid,
        DnsTreeName: treeName,
        DnsName: dnsName,
        NetBiosName: netbios,
      },
      ActiveDirectoryConfig: adConfig,
    };
  };
}

/**
 * The file contents for a spec: `JSON.stringify(spec, null, 2)` plus a final newline. Characters outside
 * ASCII are written as \uXXXX escapes so the file is plain ASCII (what the PowerShell module writes) and
 * reads the same whatever encoding a reader assumes. Keys come out in the order the object holds them;
 * buildCredentialSpec creates them in New-CredentialSpec's order.
 */
export function serializeCredentialSpec(spec: CredentialSpec): string {
  const json = JSON.stringify(spec, null, 2).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${json}\n`;
}
