/** `docker gmsa servicefabric`: the ContainerHostPolicies snippet (orchestrators/servicefabric.ts) and the install reminder. */
import { Option, type Command } from 'commander';
import { DEFAULT_CODE_PACKAGE, installReminder, planServiceFabric, SF_ISOLATIONS, type ServiceFabricRequest, type SfIsolation } from '../orchestrators/servicefabric';
import { addLookupOptions, type LookupFlags } from './ad-shared';
import type { Deps } from './deps';
import { GmsaError } from '../errors';
import { resolveOrchestratorSpec, specFileName } from './k8s';
import { rootOption } from './spec-shared';

interface ServiceFabricOptions extends LookupFlags {
  spec?: string;
  root?: string;
  hostname?: string;
  isolation: SfIsolation;
  codePackage: string;
  windowsBuild?: string;
}

/** --windows-build, else the engine's build when a rule depends on it (a Windows engine that answers), else unknown. */
async function nodesBuild(o: ServiceFabricOptions, deps: Deps): Promise<number | undefined> {
  if (o.windowsBuild !== undefined) {
    const { parseWindowsBuild } = require('../compose/stack-args') as typeof import('../compose/stack-args');
    return parseWindowsBuild(o.windowsBuild);
  }
  if (o.hostname === undefined && o.isolation !== 'hyperv') return undefined;
  try {
    const profile = await (await deps.engine()).profile();
    return profile.osType === 'windows' ? profile.windowsBuild : undefined;
  } catch (err) {
    if (err instanceof GmsaError) return undefined;
    throw err;
  }
}

export function registerServiceFabric(program: Command, deps: Deps): void {
  const cmd = program
    .command('servicefabric')
    .description('The ContainerHostPolicies of a Service Fabric ApplicationManifest.xml for a gMSA')
    .argument('<account>', 'the gMSA the container uses')
    .option('--spec <name|file>', 'the credential spec (default: found by the lookup: the store, swarm configs, Active Directory)')
    .addOption(rootOption())
    .option('--hostname <name>', 'container hostname (default: the gMSA name)')
    .addOption(new Option('--isolation <mode>', 'container isolation').choices(SF_ISOLATIONS).default('process'))
    .option('--code-package <name>', "CodePackageRef: the container's code package in ServiceManifest.xml", DEFAULT_CODE_PACKAGE)
    .option('--windows-build <n>', "the nodes' Windows build, for its gMSA rules (default: the engine's, when --hostname or --isolation hyperv needs it)");
  addLookupOptions(cmd)
    .addHelpText(
      'after',
      `
Prints the element to put inside <ServiceManifestImport><Policies> of ApplicationManifest.xml. Service
Fabric passes the SecurityOption to docker, which reads the spec file from the CredentialSpecs folder of
the node the container lands on: install the file on every node. The spec is validated first.

Example:
  docker gmsa servicefabric webapp01 --root /mnt/docker --code-package Code`,
    )
    .action(async (account: string, o: ServiceFabricOptions) => {
      const spec = await resolveOrchestratorSpec('servicefabric', account, o, deps);
      const fileName = specFileName(spec);
      const req: ServiceFabricRequest = {
        account: spec.spec.DomainJoinConfig.MachineAccountName,
        specFileName: fileName,
        isolation: o.isolation,
        codePackage: o.codePackage,
      };
      if (o.hostname !== undefined) req.hostname = o.hostname;
      const build = await nodesBuild(o, deps);
      if (build !== undefined) req.build = build;
      const plan = planServiceFabric(req);
      deps.io.out(plan.xml);
      for (const line of [...installReminder(fileName, spec.path), ...plan.notes]) deps.io.err(`${line}\n`);
    });
}
