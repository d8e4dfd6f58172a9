import { fail, pass, warn, type Check } from './types';

export const engineBuild: Check = {
  id: 'engine-build',
  group: 'engine',
  title: 'Windows build and its gMSA rules',
  async run(ctx) {
    const p = await ctx.windowsProfile();
    if (p.windowsBuild === undefined) return warn('the engine did not say which Windows build it runs, so the build rules are unknown', 'docker gmsa host shows what the engine reports.');
    const rules = p.rules.filter((r) => r.severity !== 'info' || r.id === 'hostname-free');
    const blockers = p.rules.filter((r) => r.severity === 'blocker');
    const head = `build ${p.windowsBuild}${p.windowsRevision !== undefined ? `.${p.windowsRevision}` : ''} (${p.release ?? '?'})`;
    if (blockers.length > 0) return fail(`${head}: ${blockers.map((r) => r.text).join(' ')}`, blockers.some((r) => r.id === 'hyperv-gmsa-broken') ? 'Run gMSA containers with --isolation process.' : 'Move the containers to Windows Server 2019 or later.');
    return pass(`${head}; rules: ${rules.map((r) => r.id).join(', ')}`);
  },
};
