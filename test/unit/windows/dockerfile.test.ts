/** docker gmsa dockerfile: the exact lines per app kind and shell, written out by hand. */
import { dockerfileLines } from '../../../src/windows/dockerfile';
import { InvalidInputError } from '../../../src/errors';

describe('dockerfileLines', () => {
  test('IIS under cmd and PowerShell', () => {
    expect(dockerfileLines({ kind: 'iis', shell: 'cmd' })).toBe(
      "# The IIS application pool DefaultAppPool runs as Network Service, which uses the container's gMSA.\n" +
        'RUN %windir%\\system32\\inetsrv\\appcmd.exe set apppool "DefaultAppPool" -processModel.identityType:NetworkService\n',
    );
    expect(dockerfileLines({ kind: 'iis', appPool: 'Shop Pool', shell: 'powershell' })).toBe(
      "# The IIS application pool Shop Pool runs as Network Service, which uses the container's gMSA.\n" +
        "RUN & \"$env:windir\\system32\\inetsrv\\appcmd.exe\" set apppool 'Shop Pool' '-processModel.identityType:NetworkService'\n",
    );
  });

  test('a Windows service under cmd and PowerShell ($ in the name escaped for PowerShell)', () => {
    expect(dockerfileLines({ kind: 'service', service: 'MyService', shell: 'cmd' })).toBe(
      "# The Windows service MyService runs as Network Service, which uses the container's gMSA.\n" +
        'RUN sc.exe config "MyService" obj= "NT AUTHORITY\\NETWORK SERVICE" password= ""\n',
    );
    expect(dockerfileLines({ kind: 'service', service: 'MSSQL$APP', shell: 'powershell' })).toBe(
      "# The Windows service MSSQL$APP runs as Network Service, which uses the container's gMSA.\n" +
        "RUN $r = Invoke-CimMethod -Query \"SELECT * FROM Win32_Service WHERE Name='MSSQL`$APP'\" -MethodName Change " +
        "-Arguments @{StartName='NT AUTHORITY\\NetworkService'; StartPassword=''}; if ($r.ReturnValue -ne 0) { throw ('Win32_Service.Change failed: ' + $r.ReturnValue) }\n",
    );
  });

  test('a console app: USER, whatever the shell', () => {
    const want = "# The container's processes run as Network Service, which uses the container's gMSA.\nUSER \"NT AUTHORITY\\NETWORK SERVICE\"\n";
    expect(dockerfileLines({ kind: 'console', shell: 'cmd' })).toBe(want);
    expect(dockerfileLines({ kind: 'console', shell: 'powershell' })).toBe(want);
  });

  test('names that would change the command are refused', () => {
    expect(() => dockerfileLines({ kind: 'iis', appPool: 'a"b', shell: 'cmd' })).toThrow(InvalidInputError);
    expect(() => dockerfileLines({ kind: 'iis', appPool: '%PATH%', shell: 'cmd' })).toThrow(/cannot contain "%"/);
    expect(() => dockerfileLines({ kind: 'service', service: "x' ; rm", shell: 'powershell' })).toThrow(InvalidInputError);
    expect(() => dockerfileLines({ kind: 'service', service: '', shell: 'cmd' })).toThrow(/give the service name/);
  });
});
