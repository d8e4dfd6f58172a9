/**
 * What the numbers and messages a gMSA container setup prints mean: one entry per code or event, each
 * with the cause in this context, the next step (a doctor check or a command) and the log to read.
 * Pure data. The matcher (explain.ts) decides which entries a pasted number or line names.
 *
 * Value spaces: Win32 error codes (nltest's `Status = N 0x...`), NTSTATUS (0xC...), HRESULTs (0x8...),
 * Kerberos protocol error codes, and event ids (which only ever appear as decimal numbers, per log).
 */

export type ExplainKind = 'win32' | 'ntstatus' | 'hresult' | 'kerberos' | 'event' | 'message';

export interface ExplainEntry {
  kind: ExplainKind;
  /** The code (unsigned 32-bit) or event id. Absent for message-only entries. */
  code?: number;
  /** For events: the log (channel) that writes it; also what the context words must name. */
  eventLog?: string;
  /** The symbolic name (ERROR_NO_LOGON_SERVERS), or a short title for events and messages. */
  name: string;
  /** Other symbolic names that mean this entry (the same code in another table). */
  aliases?: readonly string[];
  /** Phrases (lower case) whose presence in a pasted line names this entry. */
  phrases?: readonly string[];
  /** What it means for a gMSA container, and the usual cause. */
  cause: string;
  /** What to do next: a doctor check or a command. */
  next: string;
  /** Where to read more. */
  log: string;
}

export const CCG_LOG = 'Microsoft-Windows-Containers-CCG/Admin';
export const HCS_LOG = 'Microsoft-Windows-Hyper-V-Compute-Admin';
export const AKS_LOG = 'Microsoft-AKSGMSAPlugin/Admin';
export const NETLOGON_LOG = 'System (source NETLOGON)';

const IN_CONTAINER = 'inside the container: nltest /sc_verify:<domain> and klist get krbtgt as Network Service (docker gmsa verify CONTAINER)';
const CCG_EVENTS = `Get-WinEvent -LogName ${CCG_LOG} -MaxEvents 20 on the container host`;
const HCS_EVENTS = `Get-WinEvent -LogName ${HCS_LOG} -MaxEvents 20 on the container host`;
const AKS_EVENTS = `Get-WinEvent -LogName ${AKS_LOG} -MaxEvents 20 on the node`;

export const EXPLAIN_ENTRIES: readonly ExplainEntry[] = [
  // ---- HCS / container start -----------------------------------------------------------------------
  {
    kind: 'ntstatus',
    code: 0xc0020017,
    name: 'RPC_NT_SERVER_UNAVAILABLE',
    aliases: ['RPC_S_SERVER_UNAVAILABLE'],
    phrases: ['failed to setup the external credentials'],
    cause:
      'The host could not reach a domain controller (or the credential guard service) while setting up the container\'s gMSA credentials: DNS cannot find a DC, a firewall blocks the DC ports, or the DC is down. hcsshim reports it as winapi error #3489792023 (0xD0020017, the HRESULT that wraps this status).',
    next: 'docker gmsa doctor ACCOUNT --host HOST (network checks: SRV discovery and TCP/UDP 53, 88, 135, 139, 389, 445, 636 to the DC)',
    log: `${HCS_LOG} (event 11507) and ${CCG_LOG}: ${HCS_EVENTS}`,
  },
  {
    kind: 'ntstatus',
    code: 0xc00000a7,
    name: 'STATUS_BAD_VALIDATION_CLASS',
    cause:
      'Seen when a container credential guard plugin (non-domain-joined host) is handed an input or a secret it cannot use: a malformed PluginInput, a secret not in the plugin\'s format, or a plugin that is not registered.',
    next: 'docker gmsa spec validate SPEC (checks HostAccountConfig per plugin), then the plugin\'s secret; docker gmsa doctor ACCOUNT for the rest',
    log: `${CCG_LOG}: ${CCG_EVENTS}`,
  },
  {
    kind: 'ntstatus',
    code: 0xc0370101,
    name: 'the container OS does not match the host OS',
    phrases: ['the container operating system does not match the host operating system'],
    cause: 'The image was built for another Windows build than the host, which process isolation cannot run (not a gMSA problem, but it stops the container before its identity matters).',
    next: 'Use an image tag of the host\'s release (docker gmsa host shows it), or run with --isolation hyperv where the build allows it with a gMSA',
    log: HCS_LOG,
  },
  {
    kind: 'event',
    code: 11507,
    eventLog: HCS_LOG,
    name: 'Failed to setup the external credentials for Container',
    cause: 'The host compute service could not set up the container\'s gMSA credentials; the error code in the event (often 0xD0020017, RPC_NT_SERVER_UNAVAILABLE) says why. Usually no DC was reachable from the host.',
    next: 'docker gmsa explain CODE with the code the event shows; docker gmsa doctor ACCOUNT (network and AD checks)',
    log: `${HCS_LOG}: ${HCS_EVENTS}`,
  },

  // ---- Container Credential Guard events ------------------------------------------------------------
  {
    kind: 'event',
    code: 1,
    eventLog: CCG_LOG,
    name: 'CCG plugin instantiated',
    cause: 'Information: container credential guard loaded the plugin named by PluginGUID. Not an error.',
    next: 'Nothing to fix; if the container still has no identity, look at the events that follow (3, 4, 6, 8)',
    log: CCG_LOG,
  },
  {
    kind: 'event',
    code: 2,
    eventLog: CCG_LOG,
    name: 'CCG fetched the gMSA credentials',
    cause: 'Success: the gMSA\'s credentials were retrieved for the container.',
    next: `Nothing to fix at this level; check the app runs as Network Service or Local System (${IN_CONTAINER})`,
    log: CCG_LOG,
  },
  {
    kind: 'event',
    code: 3,
    eventLog: CCG_LOG,
    name: 'CCG could not parse the credential spec',
    cause: 'The credential spec is malformed: a PluginGUID that is not a braced hex GUID, a missing or mistyped field, or broken JSON.',
    next: 'docker gmsa spec validate SPEC (and --against-ad to compare its fields with the domain)',
    log: `${CCG_LOG}: ${CCG_EVENTS}`,
  },
  {
    kind: 'event',
    code: 4,
    eventLog: CCG_LOG,
    name: 'CCG could not instantiate the plugin',
    cause: 'The plugin named by PluginGUID is not installed or not registered as a COM class on this host.',
    next: 'Check that HKLM\\SYSTEM\\CurrentControlSet\\Control\\CCG\\COMClasses\\{GUID} exists on the host for the spec\'s PluginGUID (reg query), and reinstall the plugin; docker gmsa spec validate SPEC names the plugins it knows',
    log: `${CCG_LOG}: ${CCG_EVENTS}`,
  },
  {
    kind: 'event',
    code: 6,
    eventLog: CCG_LOG,
    name: 'CCG plugin could not fetch its credentials',
    cause: 'The plugin ran but could not get the portable account\'s secret: a wrong PluginInput, or the host\'s identity has no right to the secret store (Key Vault, Secrets Manager, Kubernetes secret).',
    next: 'docker gmsa spec validate SPEC (PluginInput per plugin), then the plugin\'s own log and the secret store\'s access policy',
    log: `${CCG_LOG}: ${CCG_EVENTS}`,
  },
  {
    kind: 'event',
    code: 7,
    eventLog: CCG_LOG,
    name: 'CCG fetched the credentials again after a password change',
    cause: 'Information: the gMSA password rolled over and the new one was fetched.',
    next: 'Nothing to fix',
    log: CCG_LOG,
  },
  {
    kind: 'event',
    code: 8,
    eventLog: CCG_LOG,
    name: 'the plugin\'s account cannot retrieve the gMSA password',
    phrases: ['the attempted logon is invalid'],
    cause: 'The portable account the plugin logs on with is not allowed to read the gMSA\'s password (it is not, directly or through a group, in msDS-GroupMSAMembership), or its password in the secret is wrong: "The attempted logon is invalid".',
    next: 'docker gmsa doctor ACCOUNT --host PORTABLE_ACCOUNT (who may retrieve the password), and add it: docker gmsa account hosts add ACCOUNT PORTABLE_ACCOUNT',
    log: `${CCG_LOG}: ${CCG_EVENTS}`,
  },

  // ---- Azure Key Vault plugin (AKS) ----------------------------------------------------------------
  ...(
    [
      [1000, 'HTTP error getting an access token', 'The plugin could not get a token from the instance metadata service for the managed identity.', 'Check the node reaches the metadata endpoint and that the managed identity is assigned to the node pool'],
      [1003, 'managed identity ObjectId not found', 'The ObjectId in PluginInput names no managed identity assigned to this node.', 'Put the object id of the node pool\'s identity in PluginInput (ObjectId=...); docker gmsa spec validate SPEC'],
      [1005, 'Key Vault secret is empty', 'The secret named by SecretUri exists but holds nothing.', 'Store the portable account\'s credentials in it as DOMAIN\\user:password'],
      [1006, 'Key Vault secret is not DOMAIN\\user:password', 'The secret\'s value is not in the form the plugin parses.', 'Store it as DOMAIN\\user:password (NetBIOS domain, a backslash, the user, a colon, the password)'],
      [1007, 'Key Vault access denied', 'The managed identity may not read the secret.', 'Grant the identity "get" on secrets (an access policy or the Key Vault Secrets User role)'],
      [1013, 'PluginInput has no ObjectId', 'PluginInput lacks ObjectId=<managed identity object id>.', 'docker gmsa spec validate SPEC; write PluginInput as ObjectId=...;SecretUri=...'],
      [1014, 'PluginInput has no SecretUri', 'PluginInput lacks SecretUri=https://<vault>.vault.azure.net/secrets/<name>.', 'docker gmsa spec validate SPEC; write PluginInput as ObjectId=...;SecretUri=...'],
      [1015, 'SecretUri is malformed', 'SecretUri is not https://<vault>.vault.azure.net/secrets/<name>.', 'docker gmsa spec validate SPEC'],
      [1016, 'PluginInput is missing', 'The spec\'s HostAccountConfig has no PluginInput.', 'docker gmsa spec validate SPEC'],
      [1018, 'SecretUri is malformed', 'SecretUri could not be parsed as a Key Vault secret URL.', 'docker gmsa spec validate SPEC'],
    ] as const
  ).map(
    ([code, name, cause, next]): ExplainEntry => ({
      kind: 'event',
      code,
      eventLog: AKS_LOG,
      name: `Azure Key Vault plugin: ${name}`,
      cause,
      next,
      log: `${AKS_LOG}: ${AKS_EVENTS}`,
    }),
  ),

  // ---- Netlogon ------------------------------------------------------------------------------------
  {
    kind: 'event',
    code: 5720,
    eventLog: NETLOGON_LOG,
    name: 'no local security database account for the computer',
    phrases: ['does not have a local security database account'],
    cause: 'Several containers of one gMSA run with the same hostname and fight over the one secure channel (or, before Windows Server 2019, two containers of one gMSA run at once). They lose trust with the domain.',
    next: 'docker gmsa doctor ACCOUNT --container C (hostname against the other running containers of the gMSA); give each container a unique hostname of at most 15 characters',
    log: `${NETLOGON_LOG} on the container host and inside the container`,
  },

  // ---- nltest /sc_verify (Win32) -------------------------------------------------------------------
  {
    kind: 'win32',
    code: 0,
    name: 'NERR_Success',
    aliases: ['ERROR_SUCCESS'],
    cause: 'Success: the secure channel or trust check passed.',
    next: 'Nothing to fix here; if the app still fails, check it runs as Network Service (docker gmsa doctor ACCOUNT --container C)',
    log: 'none needed',
  },
  {
    kind: 'win32',
    code: 5,
    name: 'ERROR_ACCESS_DENIED',
    cause: 'The caller was refused. From nltest in a container: it did not run as Network Service or Local System, or the container has no gMSA identity at all.',
    next: 'docker gmsa verify CONTAINER (runs the checks as Network Service); docker gmsa doctor ACCOUNT --container C',
    log: `${CCG_LOG} on the host`,
  },
  {
    kind: 'win32',
    code: 1311,
    name: 'ERROR_NO_LOGON_SERVERS',
    phrases: ['there are currently no logon servers available'],
    cause: 'No domain controller answered: DNS in the container or on the host cannot find one, or the ports to it are blocked.',
    next: 'docker gmsa doctor ACCOUNT (network checks); inside: nltest /dsgetdc:<domain>',
    log: `${CCG_LOG} and ${NETLOGON_LOG}`,
  },
  {
    kind: 'win32',
    code: 1326,
    name: 'ERROR_LOGON_FAILURE',
    phrases: ['the user name or password is incorrect'],
    cause: 'The logon was refused: a wrong portable-account password (non-domain-joined hosts), or a process started as a user that does not exist in the container.',
    next: 'docker gmsa doctor ACCOUNT (who may retrieve the password); for CCG plugins check the stored secret',
    log: CCG_LOG,
  },
  {
    kind: 'win32',
    code: 1355,
    name: 'ERROR_NO_SUCH_DOMAIN',
    phrases: ['the specified domain either does not exist or could not be contacted'],
    cause: 'The domain name is wrong (the spec\'s DnsName, or the name given to nltest), or DNS in the container cannot resolve it.',
    next: 'docker gmsa spec validate SPEC --against-ad; docker gmsa doctor ACCOUNT (SRV discovery and DNS over UDP 53)',
    log: NETLOGON_LOG,
  },
  {
    kind: 'win32',
    code: 1722,
    name: 'RPC_S_SERVER_UNAVAILABLE',
    aliases: ['RPC_NT_SERVER_UNAVAILABLE'],
    phrases: ['the rpc server is unavailable'],
    cause: 'The DC\'s RPC endpoint could not be reached. In Kubernetes, with nltest /parentdomain: the pod did not get its credential spec (webhook, RBAC or the gmsaCredentialSpecName).',
    next: 'docker gmsa doctor ACCOUNT (TCP 135 and the RPC ports); in Kubernetes: docker gmsa k8s ACCOUNT and kubectl describe pod',
    log: `${CCG_LOG}; in Kubernetes the pod's events`,
  },
  {
    kind: 'win32',
    code: 1786,
    name: 'ERROR_NO_TRUST_LSA_SECRET',
    cause: 'The container has no secure-channel secret: it did not get a usable gMSA identity (the spec was not applied or its account is wrong).',
    next: 'docker gmsa doctor ACCOUNT --container C (spec and AD checks)',
    log: CCG_LOG,
  },
  {
    kind: 'win32',
    code: 1787,
    name: 'ERROR_NO_TRUST_SAM_ACCOUNT',
    cause: 'The DC has no account for the container\'s identity: the gMSA is missing, the spec names another account, or the host may not retrieve its password.',
    next: 'docker gmsa doctor ACCOUNT --host HOST (account exists, host allowed to retrieve the password); docker gmsa account test ACCOUNT --host HOST',
    log: CCG_LOG,
  },
  {
    kind: 'win32',
    code: 1789,
    name: 'ERROR_TRUSTED_RELATIONSHIP_FAILURE',
    phrases: ['the trust relationship between this workstation and the primary domain failed'],
    cause: 'The container\'s secure channel broke: several containers share one gMSA and one hostname (any build), or before Windows Server 2019 two containers of one gMSA ran at once, or the hostname is not the gMSA name before 2019.',
    next: 'docker gmsa doctor ACCOUNT --container C (hostname against the build rules and the other containers of the gMSA); recreate the container with a unique hostname',
    log: `${NETLOGON_LOG} (event 5720)`,
  },

  // ---- NTSTATUS (klist, SSPI) ----------------------------------------------------------------------
  {
    kind: 'ntstatus',
    code: 0xc0000022,
    name: 'STATUS_ACCESS_DENIED',
    cause: 'Access denied; from klist beside nltest 1311 it means the container has no usable identity because no DC is reachable.',
    next: 'docker gmsa doctor ACCOUNT (network checks), then docker gmsa verify CONTAINER',
    log: CCG_LOG,
  },
  {
    kind: 'ntstatus',
    code: 0xc000005e,
    name: 'STATUS_NO_LOGON_SERVERS',
    cause: 'No domain controller answered the Kerberos or Netlogon request (the NTSTATUS form of ERROR_NO_LOGON_SERVERS).',
    next: 'docker gmsa doctor ACCOUNT (network checks: SRV discovery, TCP/UDP 88, 389, 53)',
    log: CCG_LOG,
  },
  {
    kind: 'ntstatus',
    code: 0xc000006d,
    name: 'STATUS_LOGON_FAILURE',
    cause: 'The logon was refused: wrong credentials for the portable account (CCG plugins) or an account the DC does not accept.',
    next: 'docker gmsa doctor ACCOUNT; for CCG plugins check the stored secret',
    log: CCG_LOG,
  },
  {
    kind: 'ntstatus',
    code: 0xc0000133,
    name: 'STATUS_TIME_DIFFERENCE_AT_DC',
    cause: 'The clocks of the host (or container) and the DC differ by more than Kerberos allows (5 minutes by default).',
    next: 'Sync the host\'s time with the domain: w32tm /resync, w32tm /query /status',
    log: 'System (source Microsoft-Windows-Time-Service)',
  },
  {
    kind: 'ntstatus',
    code: 0xc000018b,
    name: 'STATUS_NO_TRUST_SAM_ACCOUNT',
    cause: 'The DC has no account for the identity the container presents: the gMSA is missing or the host may not retrieve its password (the NTSTATUS form of ERROR_NO_TRUST_SAM_ACCOUNT).',
    next: 'docker gmsa doctor ACCOUNT --host HOST (account and password retrieval)',
    log: CCG_LOG,
  },
  {
    kind: 'ntstatus',
    code: 0xc000018c,
    name: 'STATUS_TRUSTED_DOMAIN_FAILURE',
    cause: 'The trust with the domain failed: a shared hostname between containers of one gMSA, or the domain in the spec does not answer.',
    next: 'docker gmsa doctor ACCOUNT --container C (hostname rules, spec against AD)',
    log: NETLOGON_LOG,
  },
  {
    kind: 'ntstatus',
    code: 0xc00002fd,
    name: 'STATUS_KDC_UNKNOWN_ETYPE',
    cause: 'The KDC and the client share no encryption type: msDS-SupportedEncryptionTypes of the gMSA (or the host) lacks AES, or RC4 was disabled while the account only allows it.',
    next: 'docker gmsa doctor ACCOUNT (AES in msDS-SupportedEncryptionTypes); set it to 24 (AES) or 28 (RC4+AES)',
    log: 'System (source Microsoft-Windows-Kerberos-Key-Distribution-Center) on the DC',
  },

  // ---- HRESULT -------------------------------------------------------------------------------------
  {
    kind: 'hresult',
    code: 0x80070005,
    name: 'E_ACCESSDENIED',
    cause: 'Access denied (HRESULT of ERROR_ACCESS_DENIED): the process lacked a right, often because it did not run as Network Service or SYSTEM, or the host may not use the gMSA.',
    next: 'docker gmsa doctor ACCOUNT --container C (user the container runs as, host allowed to retrieve the password)',
    log: CCG_LOG,
  },
  {
    kind: 'hresult',
    code: 0x8000401a,
    name: 'CO_E_RUNAS_LOGON_FAILURE',
    phrases: ['the configured identity is incorrect'],
    cause: 'A CCG plugin\'s COM server could not start because the identity it is configured to run as is wrong ("the server process could not be started because the configured identity is incorrect").',
    next: 'Check the plugin\'s COM registration and its RunAs identity (dcomcnfg, or reinstall the plugin)',
    log: `${CCG_LOG} and System (source DCOM)`,
  },
  {
    kind: 'hresult',
    code: 0x80090311,
    name: 'SEC_E_NO_AUTHENTICATING_AUTHORITY',
    phrases: ['no authority could be contacted for authentication'],
    cause: 'No authority could be contacted: DNS cannot find a DC or the Kerberos/LDAP ports are blocked.',
    next: 'docker gmsa doctor ACCOUNT (network checks)',
    log: CCG_LOG,
  },
  {
    kind: 'hresult',
    code: 0x8009030e,
    name: 'SEC_E_NO_CREDENTIALS',
    phrases: ['no credentials are available in the security package'],
    cause: 'The process has no credentials to use: it does not run as Network Service or Local System (ContainerAdministrator and ContainerUser do not use the gMSA), or the container has no spec.',
    next: 'docker gmsa doctor ACCOUNT --container C (user it runs as); docker gmsa exec --network-service C ...',
    log: CCG_LOG,
  },
  {
    kind: 'hresult',
    code: 0x8009030c,
    name: 'SEC_E_LOGON_DENIED',
    phrases: ['the logon attempt failed'],
    cause: 'The logon was refused: the gMSA\'s password could not be used (the host may not retrieve it, or a CCG plugin\'s portable account is wrong).',
    next: 'docker gmsa doctor ACCOUNT --host HOST (password retrieval)',
    log: CCG_LOG,
  },
  {
    kind: 'hresult',
    code: 0x80090322,
    name: 'SEC_E_WRONG_PRINCIPAL',
    phrases: ['the target principal name is incorrect'],
    cause: 'The client asked for a ticket to an SPN the server\'s account does not hold: the name clients use (an alias, a load balancer) is not an SPN of the gMSA, or another account holds it.',
    next: 'docker gmsa doctor ACCOUNT --spn-for NAME (SPNs and duplicates); docker gmsa account spn add ACCOUNT HTTP/NAME',
    log: 'System (source Microsoft-Windows-Security-Kerberos) on the client',
  },

  // ---- Kerberos protocol errors --------------------------------------------------------------------
  {
    kind: 'kerberos',
    code: 0x6,
    name: 'KDC_ERR_C_PRINCIPAL_UNKNOWN',
    cause: 'The KDC does not know the client: the gMSA named by the spec does not exist in that realm (a typo, or the wrong domain).',
    next: 'docker gmsa spec validate SPEC --against-ad; docker gmsa doctor ACCOUNT',
    log: 'System (source Microsoft-Windows-Security-Kerberos)',
  },
  {
    kind: 'kerberos',
    code: 0x7,
    name: 'KDC_ERR_S_PRINCIPAL_UNKNOWN',
    cause: 'The KDC has no account with the SPN the client asked for: the gMSA lacks the SPN (host/NAME, HTTP/NAME...).',
    next: 'docker gmsa doctor ACCOUNT --spn-for NAME; docker gmsa account spn add ACCOUNT HTTP/NAME',
    log: 'System (source Microsoft-Windows-Security-Kerberos)',
  },
  {
    kind: 'kerberos',
    code: 0xe,
    name: 'KDC_ERR_ETYPE_NOSUPP',
    cause: 'No encryption type in common between the client and the account: msDS-SupportedEncryptionTypes lacks AES (or RC4 is disabled).',
    next: 'docker gmsa doctor ACCOUNT (AES in msDS-SupportedEncryptionTypes)',
    log: 'System (source Microsoft-Windows-Kerberos-Key-Distribution-Center) on the DC',
  },
  {
    kind: 'kerberos',
    code: 0x18,
    name: 'KDC_ERR_PREAUTH_FAILED',
    cause: 'Pre-authentication failed: the password used was wrong (a CCG plugin\'s portable account secret, or a stale gMSA password on a host that cannot retrieve the new one).',
    next: 'docker gmsa doctor ACCOUNT --host HOST (password retrieval); for CCG plugins check the secret',
    log: 'Security (event 4771) on the DC',
  },
  {
    kind: 'kerberos',
    code: 0x25,
    name: 'KRB_AP_ERR_SKEW',
    cause: 'Clock skew: the host\'s and the DC\'s clocks differ by more than 5 minutes.',
    next: 'w32tm /resync on the host, w32tm /query /status',
    log: 'System (source Microsoft-Windows-Time-Service)',
  },

  // ---- Messages without a code ---------------------------------------------------------------------
  {
    kind: 'message',
    name: 'Test-ADServiceAccount returned False',
    phrases: ['does not have permission to use the group msa', 'does not support all the kerberos encryption types required for the gmsa'],
    cause: 'The host is not (directly or through a group) in msDS-GroupMSAMembership of the gMSA, has not picked up a new group membership yet, or the encryption types do not match.',
    next: 'docker gmsa account test ACCOUNT --host HOST; after adding the host to a group: reboot it or run klist purge -li 0x3e7',
    log: 'none (the cmdlet\'s own message)',
  },
  {
    kind: 'message',
    name: 'credentials-fetcher: Cannot get gMSA krb ticket',
    phrases: ['cannot get gmsa krb ticket'],
    cause: 'aws/credentials-fetcher could not get a ticket for the gMSA: often the secret\'s username has the domain pasted into it (DOMAIN\\user), or domainName is wrong.',
    next: 'Put the bare user in "username" and the DNS domain in "domainName" of the secret; docker gmsa spec validate SPEC',
    log: 'journalctl -u credentials-fetcher',
  },
];
