import { nanoserverLtsc2022 } from '../../../src/doctor/container-base-image';
import { effectiveUser, usesGmsa } from '../../../src/doctor/identity';
import { requiredHostSpns } from '../../../src/doctor/ad-spn';

test('who uses the gMSA inside a container', () => {
  for (const u of ['NT AUTHORITY\\NETWORK SERVICE', 'nt authority\\networkservice', 'NT AUTHORITY\\SYSTEM', 'LocalSystem']) expect([u, usesGmsa(u)]).toEqual([u, true]);
  for (const u of ['ContainerAdministrator', 'ContainerUser', 'Administrator', 'CONTOSO\\webapp01$']) expect([u, usesGmsa(u)]).toEqual([u, false]);
  expect(effectiveUser('', 'mcr.microsoft.com/windows/servercore:ltsc2022')).toBe('ContainerAdministrator');
  expect(effectiveUser(undefined, 'mcr.microsoft.com/windows/nanoserver:ltsc2022')).toBe('ContainerUser');
  expect(effectiveUser('NT AUTHORITY\\NETWORK SERVICE', 'x')).toBe('NT AUTHORITY\\NETWORK SERVICE');
});

test('nanoserver ltsc2022 is recognised by tag or OS version', () => {
  expect(nanoserverLtsc2022('mcr.microsoft.com/windows/nanoserver:ltsc2022')).toBe(true);
  expect(nanoserverLtsc2022('mcr.microsoft.com/windows/nanoserver:10.0.20348.2113')).toBe(true);
  expect(nanoserverLtsc2022('myreg/app:1', '10.0.20348.1')).toBe(false);
  expect(nanoserverLtsc2022('mcr.microsoft.com/windows/nanoserver:ltsc2025')).toBe(false);
  expect(nanoserverLtsc2022('mcr.microsoft.com/windows/servercore:ltsc2022')).toBe(false);
});

test('the host SPNs a gMSA needs', () => {
  expect(requiredHostSpns('webapp01', 'webapp01.contoso.com')).toEqual(['host/webapp01', 'host/webapp01.contoso.com']);
});
