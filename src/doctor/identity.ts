/** Which users inside a container use the container's gMSA (Network Service, Local System) and which do not. */

const MACHINE_USERS = ['nt authority\\network service', 'nt authority\\networkservice', 'network service', 'networkservice', 'nt authority\\system', 'system', 'localsystem'];

export function usesGmsa(user: string): boolean {
  return MACHINE_USERS.includes(user.trim().toLowerCase());
}

/** The user a process runs as when the configured user is empty: what the base image sets. */
export function effectiveUser(user: string | undefined, image: string | undefined): string {
  if (user && user.trim() !== '') return user;
  return /nanoserver/i.test(image ?? '') ? 'ContainerUser' : 'ContainerAdministrator';
}

export const RUN_AS_NETWORK_SERVICE_FIX =
  'Make the app run as Network Service: docker gmsa dockerfile --iis | --service NAME | --console (lines for the Dockerfile), or docker gmsa exec --network-service CONTAINER COMMAND';
