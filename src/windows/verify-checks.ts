/**
 * The checks behind `docker gmsa verify`: what nltest and klist printed inside a container, turned into
 * pass/fail verdicts with the next step for each failure. Pure: the command runs the tools (see
 * nltestCommand and KLIST_COMMAND) and passes their output and exit codes in.
 *
 * - secure-channel: nltest's "Trusted DC Connection Status" is 0 (the container reached a DC);
 * - trust: nltest's "Trust Verification Status" is 0 (the DC accepts the container's account);
 * - kerberos: klist retrieved a ticket-granting ticket;
 * - identity: that ticket's client is the expected gMSA (`webapp01$`) in the domain's realm.
 *
 * Checks whose tool output was not given are left out; a check that depends on a failed one fails too,
 * and says to fix the other first.
 */
import { FREE_HOSTNAME_BUILD, NETWORK_SERVICE_BUILD, releaseName } from '../engine/windows-builds';
import {
  ERROR_ACCESS_DENIED,
  ERROR_NO_LOGON_SERVERS,
  ERROR_NO_SUCH_DOMAIN,
  ERROR_NO_TRUST_SAM_ACCOUNT,
  ERROR_TRUSTED_RELATIONSHIP_FAILURE,
  NERR_SUCCESS,
  RPC_S_SERVER_UNAVAILABLE,
  formatStatus,
  parseNltestScVerify,
  type NltestResult,
  type Status,
} from './nltest';
import {
  SEC_E_NO_AUTHENTICATING_AUTHORITY,
  SEC_E_NO_CREDENTIALS,
  STATUS_NO_LOGON_SERVERS,
  STATUS_NO_SUCH_LOGON_SESSION,
  STATUS_NO_TRUST_SAM_ACCOUNT,
  parseKlistGet,
  type KlistResult,
  type KlistTicket,
} from './klist';

export interface ToolRun {
  /** Everything the tool printed (stdout and stderr together is fine). */
  output: string;
  exitCode: number;
}

export interface VerifyInput {
  /** The domain's DNS name, as given to nltest /sc_verify: "contoso.com". */
  domain: string;
  /** The gMSA named by the container's credential spec, without the $: "webapp01". */
  expectedAccount?: string;
  nltest?: ToolRun;
  klist?: ToolRun;
  /** The host's Windows build (17763 = Windows Server 2019). */
  windowsBuild?: number;
  /** The container's hostname. */
  hostname?: string;
}

export type CheckId = 'secure-channel' | 'trust' | 'kerberos' | 'identity';

export interface Check {
  /** A CheckId for the checks made here; other modules may add their own ids. */
  id: string;
  title: string;
  ok: boolean;
  /** What was seen. */
  detail: string;
  /** What to do about it; set on failures only. */
  next?: string;
}

/** A check as `verify --format json` and templates show it: docker-style keys, every key present. */
export interface CheckJson {
  ID: string;
  Title: string;
  OK: boolean;
  Detail: string;
  Next: string | null;
}

export function checkJson(c: Check): CheckJson {
  return { ID: c.id, Title: c.title, OK: c.ok, Detail: c.detail, Next: c.next ?? null };
}

export interface VerifySummary {
  /** At least one check ran and all passed. */
  ok: boolean;
  total: number;
  passed: number;
  /** Ids of the failed checks, in order. */
  failed: string[];
  /** One line: "All 4 checks passed." / "2 of 4 checks failed: trust, identity." */
  text: string;
  /** The next step of the first failed check. */
  next?: string;
}

export const CHECK_TITLES: Readonly<Record<CheckId, string>> = {
  'secure-channel': 'Secure channel to a domain controller',
  trust: 'Trust relationship with the domain',
  kerberos: 'Kerberos ticket-granting ticket',
  identity: 'Network identity is the gMSA',
};

/** The command line to run inside the container for the secure-channel and trust checks. */
export function nltestCommand(domain: string): string[] {
  return ['nltest', `/sc_verify:${domain}`];
}

/** The command line to run inside the container for the kerberos and identity checks. */
export const KLIST_COMMAND: readonly string[] = ['klist', 'get', 'krbtgt'];

export const DC_PORTS = 'TCP/UDP 53 (DNS), TCP/UDP 88 (Kerberos), TCP 139 (NetLogon), TCP/UDP 389 (LDAP) and TCP 636 (LDAPS)';

interface Context {
  domain: string;
  /** The gMSA without $, when known. */
  account?: string;
  build?: number;
  hostname?: string;
}

/** "CONTOSO\webapp01$" / "webapp01$" / " webapp01 " -> "webapp01". */
function bareAccount(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const bare = name.trim().replace(/^.*\\/, '').replace(/@.*$/, '').replace(/\$+$/, '').trim();
  return bare === '' ? undefined : bare;
}

function sameRealm(realm: string, domain: string): boolean {
  const norm = (s: string): string => s.trim().replace(/\.$/, '').toUpperCase();
  return norm(realm) === norm(domain);
}

function accountOr(ctx: Context, placeholder: string): string {
  return ctx.account ?? placeholder;
}

// ---- next steps, built from the troubleshooting guide's causes ----

function reachDc(ctx: Context): string {
  return (
    `Make sure the container can resolve and reach a domain controller of ${ctx.domain}: its DNS servers must be ` +
    `the domain's DNS servers (wrong DNS in the container is the usual cause; set them with docker run --dns or on ` +
    `the container network), and the host and container firewalls must let ${DC_PORTS} through to the DC.`
  );
}

function specDomain(ctx: Context): string {
  return (
    `Check that ${ctx.domain} is the domain of the container's credential spec (DomainJoinConfig.DnsName, ` +
    '`docker gmsa spec inspect SPEC`) and that the name is spelled the way DNS knows it.'
  );
}

function oldBuild(ctx: Context): boolean | undefined {
  return ctx.build === undefined ? undefined : ctx.build < FREE_HOSTNAME_BUILD;
}

function buildName(ctx: Context): string {
  return ctx.build === undefined ? 'this host' : releaseName(ctx.build);
}

/** Before 17763 the hostname must be the gMSA name. Empty when that rule cannot be the cause. */
function hostnameRule(ctx: Context): string {
  const old = oldBuild(ctx);
  const name = accountOr(ctx, 'the gMSA name');
  if (old === false) return '';
  if (old === undefined) {
    return `If the host is older than Windows Server 2019 (build ${FREE_HOSTNAME_BUILD}), the container hostname must be the gMSA name: run it with --hostname ${name}.`;
  }
  if (ctx.hostname !== undefined && ctx.account !== undefined && ctx.hostname.toLowerCase() === ctx.account.toLowerCase()) return '';
  const seen = ctx.hostname !== undefined ? ` (it is "${ctx.hostname}")` : '';
  return `On ${buildName(ctx)} the container hostname must be the gMSA name${seen}: run it with --hostname ${name}.`;
}

/** Before 17763 containers sharing a gMSA race at the DC. Empty when that cannot be the cause. */
function sameGmsaRace(ctx: Context): string {
  if (oldBuild(ctx) === false) return '';
  return (
    `Before build ${FREE_HOSTNAME_BUILD} (Windows Server 2019), containers that use the same gMSA cancel each other's session ` +
    'when they talk to the same domain controller, which shows up as intermittent failures: run one container per gMSA at a time.'
  );
}

/** From 17763 on, containers sharing a gMSA must not share a hostname. */
function uniqueHostname(ctx: Context): string {
  if (oldBuild(ctx) !== false) return '';
  return 'Containers that share a gMSA must each have their own hostname (at most 15 characters), or they lose their trust with the domain.';
}

function hostCanRetrieve(ctx: Context): string {
  return (
    `Check that the container host may retrieve the gMSA password (\`docker gmsa account test ${accountOr(ctx, 'NAME')} --host HOST\`; ` +
    'a host learns new group memberships only after a reboot) and that the domain has a usable KDS root key (`docker gmsa kds status`).'
  );
}

function networkService(ctx: Context): string {
  const old = ctx.build !== undefined && ctx.build < NETWORK_SERVICE_BUILD;
  return (
    'Only Network Service and Local System use the gMSA on the network; the container\'s local users ' +
    '(ContainerAdministrator, ContainerUser) have no domain identity. Run the check and the app as Network Service: ' +
    '`docker exec --user "NT AUTHORITY\\NETWORK SERVICE" CONTAINER klist get krbtgt`; in the Dockerfile ' +
    'USER "NT AUTHORITY\\NETWORK SERVICE", for IIS `appcmd set AppPool DefaultAppPool -processModel.identityType:NetworkService`, ' +
    'for a Windows service `sc.exe config NAME obj= "NT AUTHORITY\\NETWORK SERVICE" password= ""`.' +
    (old ? ` Running a container process as Network Service needs build ${NETWORK_SERVICE_BUILD} (1709) or later; ${buildName(ctx)} is older.` : '')
  );
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(' ');
}

function noLogonServers(ctx: Context): string {
  return join(reachDc(ctx), sameGmsaRace(ctx));
}

function trustFailure(ctx: Context): string {
  return join(hostnameRule(ctx), sameGmsaRace(ctx), uniqueHostname(ctx), hostCanRetrieve(ctx));
}

function noAccount(ctx: Context): string {
  return join(
    `The domain has no usable account for the container's identity: check that the spec's MachineAccountName and ` +
      `GroupManagedServiceAccounts name the gMSA${ctx.account !== undefined ? ` (${ctx.account})` : ''} and that it exists in ${ctx.domain}.`,
    hostCanRetrieve(ctx),
  );
}

function nltestAdvice(status: Status, ctx: Context): string {
  switch (status.code) {
    case ERROR_NO_SUCH_DOMAIN:
      return join(`No domain controller of ${ctx.domain} could be found.`, specDomain(ctx), reachDc(ctx));
    case ERROR_NO_LOGON_SERVERS:
    case RPC_S_SERVER_UNAVAILABLE:
      return noLogonServers(ctx);
    case ERROR_TRUSTED_RELATIONSHIP_FAILURE:
    case 1786:
    case 1788:
      return trustFailure(ctx);
    case ERROR_NO_TRUST_SAM_ACCOUNT:
      return noAccount(ctx);
    case ERROR_ACCESS_DENIED:
      return 'nltest /sc_verify needs an administrator: run it as ContainerAdministrator (the default user of Server Core images), not as ContainerUser or Network Service.';
    default:
      return join(reachDc(ctx), hostCanRetrieve(ctx));
  }
}

function klistAdvice(code: string, ctx: Context): string {
  switch (code) {
    case STATUS_NO_LOGON_SERVERS:
    case SEC_E_NO_AUTHENTICATING_AUTHORITY:
      return noLogonServers(ctx);
    case SEC_E_NO_CREDENTIALS:
    case STATUS_NO_SUCH_LOGON_SESSION:
      return networkService(ctx);
    case STATUS_NO_TRUST_SAM_ACCOUNT:
      return noAccount(ctx);
    default:
      return join(reachDc(ctx), hostCanRetrieve(ctx));
  }
}

const NOT_FOUND = /is not recognized as (?:an internal or external command|the name of a cmdlet)|executable file not found|cannot find the file specified/i;

function commandMissing(run: ToolRun): boolean {
  return run.exitCode === 9009 || NOT_FOUND.test(run.output);
}

function firstLine(output: string): string {
  const line = output.split(/\r\n?|\n/).find((l) => l.trim() !== '');
  if (line === undefined) return 'no output';
  const t = line.trim();
  return `"${t.length > 120 ? `${t.slice(0, 117)}...` : t}"`;
}

function unrecognized(tool: string, run: ToolRun, looked: string): { detail: string; next: string } {
  if (commandMissing(run)) {
    return {
      detail: `${tool} could not be started in the container (exit code ${run.exitCode}).`,
      next: `The image has no ${tool}.exe: run the check from an image that has it (Windows Server Core or Windows), or add the tool to the image.`,
    };
  }
  return {
    detail: `${tool} printed no ${looked} (exit code ${run.exitCode}; it printed ${firstLine(run.output)}).`,
    next: `Run \`${tool === 'nltest' ? 'nltest /sc_verify:DOMAIN' : KLIST_COMMAND.join(' ')}\` in the container by hand and compare with the expected output.`,
  };
}

// ---- the checks ----

function nltestChecks(run: ToolRun, r: NltestResult, ctx: Context): Check[] {
  const sc: Check = { id: 'secure-channel', title: CHECK_TITLES['secure-channel'], ok: false, detail: '' };
  const trust: Check = { id: 'trust', title: CHECK_TITLES.trust, ok: false, detail: '' };
  const dc = r.trustedDcName !== undefined ? `domain controller ${r.trustedDcName}` : 'a domain controller';

  if (r.failure) {
    sc.detail = `nltest could not query the secure channel to ${ctx.domain}: ${formatStatus(r.failure)}.`;
    sc.next = nltestAdvice(r.failure, ctx);
  } else if (r.connection === undefined) {
    Object.assign(sc, unrecognized('nltest', run, '"Trusted DC Connection Status"'));
  } else if (r.connection.code === NERR_SUCCESS) {
    sc.ok = true;
    sc.detail = `Connected to ${dc} of ${ctx.domain} (${formatStatus(r.connection)}).`;
  } else {
    sc.detail = `Trusted DC Connection Status is ${formatStatus(r.connection)}.`;
    sc.next = nltestAdvice(r.connection, ctx);
  }

  if (!sc.ok) {
    const seen = r.verification !== undefined ? ` (nltest reported ${formatStatus(r.verification)})` : '';
    trust.detail = `Not verified: there is no secure channel to ${ctx.domain}${seen}.`;
    trust.next = 'Fix the secure-channel check first: verifying the trust needs a domain controller connection.';
  } else if (r.verification === undefined) {
    Object.assign(trust, unrecognized('nltest', run, '"Trust Verification Status"'));
  } else if (r.verification.code === NERR_SUCCESS) {
    trust.ok = true;
    trust.detail = `${dc.charAt(0).toUpperCase()}${dc.slice(1)} accepts the container's account (${formatStatus(r.verification)}).`;
  } else {
    trust.detail = `Trust Verification Status is ${formatStatus(r.verification)}.`;
    trust.next = nltestAdvice(r.verification, ctx);
  }
  return [sc, trust];
}

function ticketOf(r: KlistResult): KlistTicket | undefined {
  return r.tickets.find((t) => /^krbtgt\//i.test(t.server.name)) ?? r.tickets[0];
}

function principal(t: KlistTicket): string {
  return t.client.realm === '' ? t.client.name : `${t.client.name} @ ${t.client.realm}`;
}

function klistChecks(run: ToolRun, r: KlistResult, ctx: Context): Check[] {
  const kerberos: Check = { id: 'kerberos', title: CHECK_TITLES.kerberos, ok: false, detail: '' };
  const identity: Check = { id: 'identity', title: CHECK_TITLES.identity, ok: false, detail: '' };
  const ticket = ticketOf(r);

  if (r.ok) {
    kerberos.ok = true;
    kerberos.detail = `klist retrieved a ticket-granting ticket${ticket ? ` for ${principal(ticket)}` : ''}.`;
  } else if (r.error) {
    kerberos.detail = `klist failed with ${r.error.code}${r.error.message !== '' ? `: ${r.error.message}` : '.'}`;
    kerberos.next = klistAdvice(r.error.code, ctx);
  } else {
    Object.assign(kerberos, unrecognized('klist', run, '"A ticket to krbtgt has been retrieved successfully."'));
  }

  const expected = ctx.account !== undefined ? `${ctx.account}$` : undefined;
  const realm = ctx.domain.trim().replace(/\.$/, '').toUpperCase();
  if (!kerberos.ok) {
    identity.detail = 'Not checked: klist retrieved no ticket-granting ticket.';
    identity.next = 'Fix the kerberos check first.';
  } else if (ticket === undefined) {
    identity.detail = 'klist listed no cached ticket, so the client name is unknown.';
    identity.next = `Run \`${KLIST_COMMAND.join(' ')}\` in the container by hand and read the Client line.`;
  } else if (!ticket.client.name.endsWith('$')) {
    identity.detail = `The ticket is for ${principal(ticket)}, an account that is not a gMSA${expected !== undefined ? ` (expected ${expected})` : ''}.`;
    identity.next = networkService(ctx);
  } else if (expected !== undefined && ticket.client.name.toLowerCase() !== expected.toLowerCase()) {
    identity.detail = `The container authenticates as ${principal(ticket)}, not as ${expected}.`;
    identity.next =
      `The container was started with another gMSA's credential spec: start it with the spec of ${ctx.account} ` +
      '(--security-opt "credentialspec=file://SPEC.json") and check that the spec\'s MachineAccountName and ' +
      `GroupManagedServiceAccounts name ${ctx.account} (\`docker gmsa spec inspect SPEC\`).`;
  } else if (!sameRealm(ticket.client.realm, ctx.domain)) {
    identity.detail = `The container authenticates as ${principal(ticket)}: realm ${ticket.client.realm || '(none)'} is not ${realm}.`;
    identity.next = `The account belongs to another domain than ${ctx.domain}: check the spec's DnsName and the domain given to verify (--domain).`;
  } else {
    identity.ok = true;
    identity.detail =
      expected !== undefined
        ? `The container authenticates as ${principal(ticket)}.`
        : `The container authenticates as ${principal(ticket)} (no expected gMSA was given to compare with).`;
  }
  return [kerberos, identity];
}

export function verifyChecks(input: VerifyInput): Check[] {
  const ctx: Context = { domain: typeof input.domain === 'string' ? input.domain.trim() : '' };
  const account = bareAccount(input.expectedAccount);
  if (account !== undefined) ctx.account = account;
  if (typeof input.windowsBuild === 'number' && Number.isFinite(input.windowsBuild)) ctx.build = input.windowsBuild;
  if (input.hostname !== undefined && input.hostname.trim() !== '') ctx.hostname = input.hostname.trim();

  const checks: Check[] = [];
  if (input.nltest) checks.push(...nltestChecks(input.nltest, parseNltestScVerify(input.nltest.output), ctx));
  if (input.klist) checks.push(...klistChecks(input.klist, parseKlistGet(input.klist.output), ctx));
  return checks;
}

/** Counts, failed ids and the first next step of a list of checks. */
export function verifySummary(checks: readonly Check[]): VerifySummary {
  const failedChecks = checks.filter((c) => !c.ok);
  const failed = failedChecks.map((c) => c.id);
  const total = checks.length;
  const passed = total - failed.length;
  const summary: VerifySummary = { ok: total > 0 && failed.length === 0, total, passed, failed, text: '' };
  if (total === 0) summary.text = 'No checks ran.';
  else if (failed.length === 0) summary.text = total === 1 ? 'The check passed.' : `All ${total} checks passed.`;
  else summary.text = `${failed.length} of ${total} check${total === 1 ? '' : 's'} failed: ${failed.join(', ')}.`;
  const next = failedChecks.find((c) => c.next !== undefined)?.next;
  if (next !== undefined) summary.next = next;
  return summary;
}

/** The one-line verdict: "All 4 checks passed." / "2 of 4 checks failed: trust, identity." / "No checks ran." */
export function summarize(checks: readonly Check[]): string {
  return verifySummary(checks).text;
}
