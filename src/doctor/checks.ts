/** Every doctor check, in report order. */
import { adAccount } from './ad-account';
import { adEtypes } from './ad-etypes';
import { adHostAccess } from './ad-host-access';
import { adPortableAccount } from './ad-portable-account';
import { adKds } from './ad-kds';
import { adSpn } from './ad-spn';
import { adSpnDuplicates } from './ad-spn-duplicates';
import { adSpnFor } from './ad-spn-for';
import { containerBaseImage } from './container-base-image';
import { containerHostname } from './container-hostname';
import { containerUser } from './container-user';
import { containerVerify } from './container-verify';
import { engineApi } from './engine-api';
import { engineBuild } from './engine-build';
import { engineIsolation } from './engine-isolation';
import { engineReachable } from './engine-reachable';
import { engineStore } from './engine-store';
import { engineWindows } from './engine-windows';
import { imageUser } from './image-user';
import { networkCldap } from './network-cldap';
import { networkDns } from './network-dns';
import { networkSrv } from './network-srv';
import { networkTcpChecks } from './network-tcp';
import { specAd } from './spec-ad';
import { specFound } from './spec-found';
import { specName } from './spec-name';
import { specValid } from './spec-valid';
import type { Check } from './types';

export const CHECKS: readonly Check[] = [
  engineReachable,
  engineWindows,
  engineBuild,
  engineIsolation,
  engineStore,
  engineApi,
  specFound,
  specValid,
  specAd,
  specName,
  networkSrv,
  ...networkTcpChecks,
  networkDns,
  networkCldap,
  adAccount,
  adSpn,
  adSpnFor,
  adSpnDuplicates,
  adHostAccess,
  adPortableAccount,
  adKds,
  adEtypes,
  containerHostname,
  containerUser,
  containerVerify,
  containerBaseImage,
  imageUser,
];
