import { pass, warn, type Check } from './types';

/** Nano Server ltsc2022 images have had broken Kerberos since April 2024 (microsoft/Windows-Containers#537). */
export function nanoserverLtsc2022(image: string, osVersion?: string): boolean {
  return /nanoserver/i.test(image) && (/ltsc2022|20348/i.test(image) || /^10\.0\.20348/.test(osVersion ?? ''));
}

export const containerBaseImage: Check = {
  id: 'container-base-image',
  group: 'container',
  title: 'Base image',
  async run(ctx) {
    const c = await ctx.container();
    const image = String(c.Config?.Image ?? c.Image ?? '');
    if (nanoserverLtsc2022(image)) {
      return warn(`${image}: Kerberos has been broken in Nano Server ltsc2022 images since April 2024 (microsoft/Windows-Containers#537)`, 'Use a servercore:ltsc2022 base image, or Nano Server of another release');
    }
    return pass(image);
  },
};
