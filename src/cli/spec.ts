import type { Command } from 'commander';
import type { Deps } from './deps';
import { registerSpecCreate } from './spec-create';
import { registerSpecInspect } from './spec-inspect';
import { registerSpecInstall } from './spec-install';
import { registerSpecLs } from './spec-ls';
import { registerSpecRm } from './spec-rm';
import { registerSpecValidate } from './spec-validate';

export function registerSpec(program: Command, deps: Deps): void {
  const spec = program
    .command('spec')
    .description('Create, validate, install, list, inspect and remove credential specs')
    .addHelpText(
      'after',
      `
The store is <DockerRootDir>\\CredentialSpecs of the engine docker talks to, or DIR/CredentialSpecs with
--root DIR. Specs are read as UTF-8, UTF-8 with BOM or UTF-16 with BOM (what PowerShell writes).`,
    );
  registerSpecCreate(spec, deps);
  registerSpecValidate(spec, deps);
  registerSpecInstall(spec, deps);
  registerSpecLs(spec, deps);
  registerSpecInspect(spec, deps);
  registerSpecRm(spec, deps);
}
