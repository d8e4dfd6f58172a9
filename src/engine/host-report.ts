/** The human form of `docker gmsa host`: the engine profile, then the gMSA rules that apply to it. */
import type { HostProfile } from './profile';

const MARK: Record<string, string> = { info: '-', warning: '!', blocker: 'x' };

export function renderHostProfile(p: HostProfile, endpoint: string): string {
  const lines: string[] = [];
  const row = (label: string, value: string): void => {
    lines.push(`${(label + ':').padEnd(18)}${value}`);
  };
  row('Engine', endpoint);
  if (p.osType === 'windows') {
    const build =
      p.windowsBuild === undefined
        ? 'unknown build'
        : `build ${p.windowsBuild}${p.windowsRevision !== undefined ? `.${p.windowsRevision}` : ''}`;
    row('OS', `windows, ${build}${p.release ? ` (${p.release})` : ''}`);
  } else {
    row('OS', p.osType);
  }
  if (p.operatingSystem) row('Operating system', p.operatingSystem);
  row('Engine version', `${p.engineVersion ?? 'unknown'} (API ${p.apiVersion ?? 'unknown'})`);
  if (p.osType === 'windows') {
    row('Isolation', `${p.isolation ?? 'unknown'}${p.isolationAssumed ? ' (assumed: the engine does not report it)' : ' (engine default)'}`);
  }
  row('Docker root', `${p.dockerRootDir ?? 'unknown'}${p.rootDirLocal ? '' : ' (not on this machine)'}`);
  if (p.osType === 'windows' && p.credentialSpecsDir) row('Spec store', p.credentialSpecsDir);
  row('Swarm', p.swarm.role === 'none' ? p.swarm.state : `${p.swarm.state}, ${p.swarm.role}`);
  lines.push('', 'gMSA rules for this engine:');
  for (const r of p.rules) lines.push(`  ${MARK[r.severity] ?? '-'} ${r.text}`);
  if (p.osType === 'windows' && !p.rootDirLocal) {
    lines.push(
      '',
      'The spec store is on the engine host, not here: use --root DIR with the spec commands (a share or',
      'copy of the Docker root), or deliver specs inline with `docker gmsa run --spec-mode raw`.',
    );
  }
  return lines.join('\n') + '\n';
}
