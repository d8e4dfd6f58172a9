/**
 * What the checks share: the engine session, the spec the lookup finds, the directory connection and the
 * objects read through it, the container. Each is fetched once, on first use, whichever check asks first,
 * so checks run concurrently without repeating work. A getter that cannot give what a check needs throws
 * Skip with the reason (the check that owns that failure reports it; the others are skipped).
 */
import type { Directory } from '../ad/connection';
import type { DomainInfo } from '../ad/domain';
import type { Principal } from '../ad/accounts';
import type { DirectoryFlags, DirectorySettings } from '../ad/settings';
import type { Deps } from '../cli/deps';
import type { CredentialSpec } from '../credspec/model';
import type { HostProfile } from '../engine/profile';
import type { EngineSession } from '../engine/session';
import { GmsaError } from '../errors';
import { lookupSpec, type SpecLookup } from './spec-lookup';
import { Skip } from './types';

export interface DoctorOptions {
  account?: string;
  container?: string;
  /** The container host whose right to the password is checked (default this machine's name). */
  host: string;
  /** The host's machine password (--host-password-stdin): the host-access check then reads the password as the host. */
  hostPassword?: string;
  /** The CCG plugin's portable account (--portable-account), for specs with a HostAccountConfig. */
  portableAccount?: string;
  /** The plugin's secret as read from --portable-secret-stdin (its password never leaves the check). */
  portableSecret?: import('../ad/portable-secret').PortableSecretResult;
  image?: string;
  spnFor: string[];
  spec?: string;
  root?: string;
  directory: DirectoryFlags;
}

export interface DoctorEnv {
  deps: Deps;
  /** Opens a bound directory connection (the shared --domain/--server/... flags). */
  openDirectory(flags: DirectoryFlags): Promise<Directory>;
  now(): Date;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class DoctorContext {
  private readonly memo = new Map<string, Promise<unknown>>();
  private dir: Promise<Directory> | undefined;
  private readonly cancels: (() => void)[] = [];

  constructor(
    readonly o: DoctorOptions,
    readonly env: DoctorEnv,
  ) {}

  get deps(): Deps {
    return this.env.deps;
  }

  /** Memoizes `fn` under `key`; the raw promise (errors as thrown). */
  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      p.catch(() => undefined); // reported by whoever awaits it
      this.memo.set(key, p);
    }
    return p;
  }

  /** The raw promise, or Skip(why: error) when it rejects. */
  async need<T>(key: string, fn: () => Promise<T>, why: string): Promise<T> {
    try {
      return await this.once(key, fn);
    } catch (err) {
      if (err instanceof Skip) throw err;
      throw new Skip(`${why}: ${message(err)}`);
    }
  }

  // ---- engine ------------------------------------------------------------------------------------------

  session(): Promise<EngineSession> {
    return this.once('session', () => this.deps.engine());
  }

  profileRaw(): Promise<HostProfile> {
    return this.once('profile', async () => (await this.session()).profile());
  }

  profile(): Promise<HostProfile> {
    return this.need('profile', () => this.profileRaw(), 'the engine did not answer (engine-reachable)');
  }

  async windowsProfile(): Promise<HostProfile> {
    const p = await this.profile();
    if (p.osType !== 'windows') throw new Skip(`the engine is a ${p.osType} engine (engine-windows)`);
    return p;
  }

  // ---- container ---------------------------------------------------------------------------------------

  containerRaw(): Promise<any | undefined> {
    return this.once('container', async () => {
      if (!this.o.container) return undefined;
      return (await this.session()).client.inspectContainer(this.o.container);
    });
  }

  async container(): Promise<any> {
    if (!this.o.container) throw new Skip('no --container given');
    const c = await this.need('container', () => this.containerRaw(), 'the container could not be inspected');
    if (!c) throw new Skip(`no such container: ${this.o.container} (container-hostname)`);
    return c;
  }

  // ---- account and spec --------------------------------------------------------------------------------

  /** ACCOUNT, or the gMSA of --container. */
  async account(): Promise<string> {
    if (this.o.account) return this.o.account;
    if (this.o.container) {
      const { containerGmsa } = require('./container-facts') as typeof import('./container-facts');
      const c = await this.container();
      const a = await containerGmsa(c, this);
      if (a) return a;
      throw new Skip(`${this.o.container} has no credential spec, so it names no gMSA; give ACCOUNT`);
    }
    throw new Skip('no ACCOUNT given');
  }

  specRaw(): Promise<SpecLookup> {
    return this.once('spec', async () => {
      const account = await this.account();
      let profile: HostProfile | undefined;
      try {
        profile = await this.profileRaw();
      } catch {
        profile = undefined; // --spec FILE and --root still work without an engine
      }
      return lookupSpec(account, { ...(this.o.spec ? { spec: this.o.spec } : {}), ...(this.o.root ? { root: this.o.root } : {}), directory: this.o.directory }, profile, this.deps);
    });
  }

  /** The valid spec the lookup found, or Skip. */
  async spec(): Promise<CredentialSpec> {
    const r = await this.need('spec', () => this.specRaw(), 'no credential spec (spec-found)');
    if (!r.ok) throw new Skip('the credential spec is not valid (spec-valid)');
    return r.choice.spec;
  }

  // ---- directory ---------------------------------------------------------------------------------------

  /** The domain: --domain/GMSA_DOMAIN, else the spec's DnsName. */
  async domainName(): Promise<string> {
    const { directorySettings } = require('../ad/settings') as typeof import('../ad/settings');
    const flagged = (this.o.directory.domain ?? this.deps.env.GMSA_DOMAIN)?.trim();
    if (flagged) return flagged.toLowerCase();
    try {
      return (await this.spec()).DomainJoinConfig.DnsName.toLowerCase();
    } catch {
      const s = (() => {
        try {
          return directorySettings(this.o.directory, this.deps.env, this.deps.platform);
        } catch {
          return undefined;
        }
      })();
      if (s?.domain) return s.domain;
      throw new Skip('no domain: give --domain (or ACCOUNT with a spec)');
    }
  }

  async settings(): Promise<DirectorySettings> {
    return this.need(
      'settings',
      async () => {
        const { directorySettings } = require('../ad/settings') as typeof import('../ad/settings');
        const flags = { ...this.o.directory };
        const hasServer = (flags.server?.length ?? 0) > 0 || !!this.deps.env.GMSA_LDAP_URL;
        if (!flags.domain && !this.deps.env.GMSA_DOMAIN && !hasServer) flags.domain = await this.domainName();
        return directorySettings(flags, this.deps.env, this.deps.platform);
      },
      'no directory settings',
    );
  }

  get timeoutMs(): number {
    const { directorySettings, DEFAULT_TIMEOUT_S } = require('../ad/settings') as typeof import('../ad/settings');
    try {
      return directorySettings({ ...this.o.directory, domain: this.o.directory.domain ?? 'x.invalid' }, this.deps.env, this.deps.platform).timeoutMs;
    } catch {
      return DEFAULT_TIMEOUT_S * 1000;
    }
  }

  directoryRaw(): Promise<Directory> {
    this.dir ??= (async () => {
      await this.settings();
      const flags = { ...this.o.directory };
      if (!flags.domain && !this.deps.env.GMSA_DOMAIN && !flags.server?.length && !this.deps.env.GMSA_LDAP_URL) flags.domain = await this.domainName();
      return this.env.openDirectory(flags);
    })();
    this.dir.catch(() => undefined);
    return this.dir;
  }

  directory(): Promise<Directory> {
    return this.need('directory', () => this.directoryRaw(), 'no connection to the directory (ad-account)');
  }

  domainInfo(): Promise<DomainInfo> {
    return this.need(
      'domain',
      async () => (require('../ad/domain') as typeof import('../ad/domain')).readDomain(await this.directory()),
      'the domain facts could not be read (ad-account)',
    );
  }

  /** The account's object (any kind), or undefined when there is none. */
  principalRaw(): Promise<Principal | undefined> {
    return this.once('principal', async () => {
      const { findPrincipals, bareName } = require('../ad/accounts') as typeof import('../ad/accounts');
      const [dir, d, account] = await Promise.all([this.directory(), this.domainInfo(), this.account()]);
      return (await findPrincipals(dir, d, [account])).get(bareName(account).toLowerCase());
    });
  }

  /** The gMSA object, or Skip (ad-account reports what is wrong). */
  async gmsa(): Promise<Principal> {
    const p = await this.need('principal', () => this.principalRaw(), 'the account could not be read (ad-account)');
    if (!p || p.kind !== 'gmsa') throw new Skip(`${await this.account()} is not a gMSA in the domain (ad-account)`);
    return p;
  }

  /** A DNS resolver whose pending queries close() cancels, so a silent DNS server does not hold the run. */
  track<T extends object>(resolver: T): T {
    const cancel = (resolver as { cancel?: () => void }).cancel;
    if (typeof cancel === 'function') this.cancels.push(() => cancel.call(resolver));
    return resolver;
  }

  async close(): Promise<void> {
    for (const c of this.cancels) c();
    if (this.dir) {
      try {
        await (await this.dir).close();
      } catch {
        // never opened
      }
    }
  }
}

export function isGmsaError(err: unknown): err is GmsaError {
  return err instanceof GmsaError;
}
