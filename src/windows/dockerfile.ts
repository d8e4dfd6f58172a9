/**
 * `docker gmsa dockerfile`: the Dockerfile lines that make an app run as Network Service (the identity
 * that uses the container's gMSA), for the image's shell. Pure.
 *
 * - IIS: the application pool's identity (appcmd set apppool ... -processModel.identityType:NetworkService);
 * - a Windows service: sc.exe config NAME obj= "NT AUTHORITY\NETWORK SERVICE" password= "" under cmd, and
 *   Win32_Service.Change under PowerShell (PowerShell drops or re-quotes the empty password argument of a
 *   native command depending on its version);
 * - a console app: USER "NT AUTHORITY\NETWORK SERVICE" (a Dockerfile instruction, the same for both shells).
 */
import { InvalidInputError } from '../errors';

export type DockerfileShell = 'cmd' | 'powershell';

export type DockerfileRequest =
  | { kind: 'iis'; appPool?: string; shell: DockerfileShell }
  | { kind: 'service'; service: string; shell: DockerfileShell }
  | { kind: 'console'; shell: DockerfileShell };

export const DEFAULT_APP_POOL = 'DefaultAppPool';
export const NETWORK_SERVICE_USER = 'NT AUTHORITY\\NETWORK SERVICE';

/** Characters IIS refuses in application pool names, plus what cmd would expand (%) and control characters. */
const APP_POOL_FORBIDDEN = /[/\\[\]:|<>+=;,?*'"%&^\u0000-\u001f\u007f]/;
/** Service names: no slashes (Windows refuses them), no quotes or % (they would change the command). */
const SERVICE_FORBIDDEN = /[/\\'"%&^|<>`\u0000-\u001f\u007f]/;

function check(value: string, forbidden: RegExp, flag: string, what: string, example: string): string {
  const bad = forbidden.exec(value);
  if (value.trim() === '' || value.length > 256 || bad) {
    throw new InvalidInputError(
      `invalid ${flag} ${JSON.stringify(value)}: ${bad ? `${what} names cannot contain ${JSON.stringify(bad[0])}` : `give the ${what} name`}`,
      `Use the ${what}'s name as Windows shows it, e.g. ${example}.`,
    );
  }
  return value;
}

/** A PowerShell single-quoted string: ' doubled. */
function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function dockerfileLines(req: DockerfileRequest): string {
  switch (req.kind) {
    case 'iis': {
      const pool = check(req.appPool ?? DEFAULT_APP_POOL, APP_POOL_FORBIDDEN, '--app-pool', 'application pool', DEFAULT_APP_POOL);
      const head = `# The IIS application pool ${pool} runs as Network Service, which uses the container's gMSA.`;
      return req.shell === 'cmd'
        ? `${head}\nRUN %windir%\\system32\\inetsrv\\appcmd.exe set apppool "${pool}" -processModel.identityType:NetworkService\n`
        : `${head}\nRUN & "$env:windir\\system32\\inetsrv\\appcmd.exe" set apppool ${psQuote(pool)} '-processModel.identityType:NetworkService'\n`;
    }
    case 'service': {
      const name = check(req.service, SERVICE_FORBIDDEN, '--service', 'service', 'MyService');
      const head = `# The Windows service ${name} runs as Network Service, which uses the container's gMSA.`;
      return req.shell === 'cmd'
        ? `${head}\nRUN sc.exe config "${name}" obj= "${NETWORK_SERVICE_USER}" password= ""\n`
        : `${head}\nRUN $r = Invoke-CimMethod -Query "SELECT * FROM Win32_Service WHERE Name='${name.replace(/\$/g, '`$')}'" -MethodName Change -Arguments @{StartName='NT AUTHORITY\\NetworkService'; StartPassword=''}; if ($r.ReturnValue -ne 0) { throw ('Win32_Service.Change failed: ' + $r.ReturnValue) }\n`;
    }
    default:
      return `# The container's processes run as Network Service, which uses the container's gMSA.\nUSER "${NETWORK_SERVICE_USER}"\n`;
  }
}
