/**
 * The Service Fabric side of a gMSA: the `ContainerHostPolicies` element of an ApplicationManifest.xml
 * (inside `<ServiceManifestImport><Policies>`) naming the credential spec file and the container hostname.
 *
 * The shape follows ServiceFabricServiceModel.xsd: ContainerHostPoliciesType has a required
 * `CodePackageRef` and optional `Isolation` ("process", "hyperv" or "default") and `Hostname` attributes,
 * and `SecurityOption` elements (SecurityOptionsType) whose only attribute is the required `Value`. There
 * is no `Type` attribute: Service Fabric reads `Value` alone and passes it to docker as a security option,
 * so it is `credentialspec=file://NAME.json` as for `docker run --security-opt`.
 *
 * Pure; XML text is written here, every attribute value escaped.
 */
import { hostnameRefusal, isolationRefusal, MAX_NETBIOS_HOSTNAME, netbiosNote, refusalError } from '../engine/build-rules';
import { FREE_HOSTNAME_BUILD } from '../engine/windows-builds';
import { InvalidInputError } from '../errors';
import { firstLoneSurrogate } from '../util/text';

export type SfIsolation = 'process' | 'hyperv';
export const SF_ISOLATIONS: readonly SfIsolation[] = ['process', 'hyperv'];
/** The usual name of a service's code package in Service Fabric templates. */
export const DEFAULT_CODE_PACKAGE = 'Code';
export { MAX_NETBIOS_HOSTNAME };

/** Characters XML 1.0 cannot carry at all, even escaped. */
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/** An attribute value for a double-quoted XML attribute: markup characters and white space escaped. */
export function xmlAttribute(value: string): string {
  const bad = XML_FORBIDDEN.exec(value);
  if (bad || firstLoneSurrogate(value) >= 0) {
    const cp = bad ? (bad[0].codePointAt(0) ?? 0) : value.charCodeAt(firstLoneSurrogate(value));
    throw new InvalidInputError(
      `${JSON.stringify(value)} contains U+${cp.toString(16).toUpperCase().padStart(4, '0')}, which XML cannot hold`,
      'Remove the character.',
    );
  }
  return value.replace(/[&<>"'\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      case '\t':
        return '&#9;';
      case '\n':
        return '&#10;';
      default:
        return '&#13;';
    }
  });
}

const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** True for a hostname a Windows container can take: one DNS label of letters, digits and '-'. */
export function isHostname(value: string): boolean {
  return HOSTNAME.test(value);
}

export interface ServiceFabricRequest {
  /** The gMSA (the spec's MachineAccountName). */
  account: string;
  /** The spec's file name in the CredentialSpecs folder of every node. */
  specFileName: string;
  /** Container hostname (default: the gMSA name). */
  hostname?: string;
  isolation?: SfIsolation;
  /** The CodePackageRef: the code package of the container in its ServiceManifest.xml. */
  codePackage?: string;
  /** The Windows build of the nodes, when known (--windows-build, or the engine's); the build rules apply to it. */
  build?: number;
}

export interface ServiceFabricPlan {
  hostname: string;
  isolation: SfIsolation;
  codePackage: string;
  securityOption: string;
  /** The snippet: one comment and one ContainerHostPolicies element, ending with a newline. */
  xml: string;
  /** Warnings about the hostname or isolation, one line each. */
  notes: string[];
}

/** Checks the options and writes the snippet. Throws InvalidInputError for an unusable value. */
export function planServiceFabric(req: ServiceFabricRequest): ServiceFabricPlan {
  const notes: string[] = [];
  const isolation = req.isolation ?? 'process';
  if (!SF_ISOLATIONS.includes(isolation)) {
    throw new InvalidInputError(`invalid isolation ${JSON.stringify(isolation)}`, 'Use process or hyperv.');
  }
  const codePackage = req.codePackage ?? DEFAULT_CODE_PACKAGE;
  if (codePackage.trim() === '') {
    throw new InvalidInputError('the code package name is empty', 'Give the Name of the CodePackage in ServiceManifest.xml, e.g. --code-package Code.');
  }

  let hostname: string;
  if (req.hostname !== undefined) {
    hostname = req.hostname;
    if (!isHostname(hostname)) {
      throw new InvalidInputError(
        `invalid --hostname ${JSON.stringify(hostname)}: a hostname is 1 to 63 letters, digits and '-', not starting or ending with '-'`,
        `Leave --hostname out to use the gMSA name (${req.account}).`,
      );
    }
    if (req.build !== undefined) {
      const refused = hostnameRefusal(req.build, req.account, hostname, `Leave --hostname out to use the gMSA name (${req.account}), or run the service on Windows Server 2019 (17763) or later nodes.`);
      if (refused) throw refusalError(refused);
    } else if (hostname.toLowerCase() !== req.account.toLowerCase()) {
      notes.push(
        `The hostname ${hostname} is not the gMSA name ${req.account}: before Windows Server 2019 (build 17763) the hostname must be the gMSA name, or inbound NTLM and name/SID translation fail.`,
      );
    }
  } else {
    hostname = req.account;
    if (!isHostname(hostname)) {
      notes.push(`The gMSA name ${req.account} is not a valid hostname; give one with --hostname.`);
    }
  }
  const longName = netbiosNote(hostname);
  if (longName) notes.push(longName);
  if (req.build !== undefined) {
    const refused = isolationRefusal(req.build, isolation, { fix: 'Use Isolation="process" (--isolation process), or Windows Server 2019 (17763) or later nodes.' });
    if (refused) throw refusalError(refused);
  } else if (isolation === 'hyperv') {
    notes.push('Hyper-V isolation with a gMSA hangs or fails on Windows 1703 to 1803 (builds 15063-17134); use Windows Server 2019 or later hosts and images.');
  }
  if (req.build !== undefined && req.build >= FREE_HOSTNAME_BUILD && req.hostname === undefined) {
    notes.push(`Every container of ${req.account} gets the hostname ${hostname}; from Windows Server 2019 two containers of one gMSA should each have their own (give --hostname per service).`);
  }

  const securityOption = `credentialspec=file://${req.specFileName}`;
  const xml =
    '<!-- docker gmsa: goes inside <ServiceManifestImport><Policies> of ApplicationManifest.xml -->\n' +
    `<ContainerHostPolicies CodePackageRef="${xmlAttribute(codePackage)}" Isolation="${isolation}" Hostname="${xmlAttribute(hostname)}">\n` +
    `  <SecurityOption Value="${xmlAttribute(securityOption)}"/>\n` +
    '</ContainerHostPolicies>\n';
  return { hostname, isolation, codePackage, securityOption, xml, notes };
}

/** The reminder that the spec file must be on every node, naming the file (and where it is here, if known). */
export function installReminder(specFileName: string, localPath?: string): string[] {
  const file = localPath ?? specFileName;
  return [
    `The spec file ${specFileName} must be in the CredentialSpecs folder of EVERY node that can run this service`,
    `(C:\\ProgramData\\docker\\CredentialSpecs by default): copy ${file} to each node and run`,
    `docker gmsa spec install ${specFileName} there, or install it from your deployment script (e.g. a VM extension).`,
  ];
}
