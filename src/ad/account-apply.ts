/**
 * Carries out an account plan over a directory connection. Every step is idempotent on its own (an
 * object or value already there counts as done), so a run that stops half-way converges on the next run.
 */
import { DirectoryError } from '../errors';
import { bareName, findPrincipals, spnHolders, type DomainScope, type Principal } from './accounts';
import { describeStep, membershipFor, wantedSpns, type AccountRequest, type DirectoryState, type Step } from './account-plan';
import type { Directory } from './connection';

/** Reads what the plan needs to know about the directory now. */
export async function readAccountState(dir: Directory, req: AccountRequest): Promise<DirectoryState> {
  const found = await findPrincipals(dir, req.domain, [req.name, req.group, ...req.hosts]);
  const state: DirectoryState = { hosts: new Map(), spnHolders: new Map() };
  const gmsa = found.get(req.name.toLowerCase());
  if (gmsa) state.gmsa = gmsa;
  const group = found.get(req.group.toLowerCase());
  if (group) state.group = group;
  for (const h of req.hosts) {
    const p = found.get(bareName(h).toLowerCase());
    if (p) state.hosts.set(h.toLowerCase(), p);
  }
  for (const spn of wantedSpns(req)) {
    const holders = (await spnHolders(dir, req.domain.domainDn, spn)).filter((p) => !gmsa || p.dn.toLowerCase() !== gmsa.dn.toLowerCase());
    state.spnHolders.set(spn, holders);
  }
  return state;
}

async function sidOf(dir: Directory, domain: DomainScope, name: string): Promise<string> {
  const p: Principal | undefined = (await findPrincipals(dir, domain, [name])).get(name.toLowerCase());
  if (!p?.sid) throw new DirectoryError(`cannot read the SID of ${name}`, 'Run the command again; it picks up where it stopped.');
  return p.sid;
}

/** Applies the steps in order; returns what each one did. */
export async function applyPlan(dir: Directory, req: AccountRequest, steps: readonly Step[], onStep: (line: string) => void): Promise<void> {
  for (const s of steps) {
    const action = describeStep(s);
    switch (s.kind) {
      case 'create-group':
        await dir.add(s.dn, s.attributes, action);
        break;
      case 'create-gmsa': {
        const groupSid = await sidOf(dir, req.domain, req.group);
        await dir.add(s.dn, { ...s.attributes, 'msDS-GroupMSAMembership': [membershipFor([groupSid])] }, action);
        break;
      }
      case 'set-dns-host-name':
        await dir.modify(s.dn, [{ operation: 'replace', attribute: 'dNSHostName', values: [s.to] }], action);
        break;
      case 'add-spns':
        await dir.modify(s.dn, [{ operation: 'add', attribute: 'servicePrincipalName', values: s.spns }], action);
        break;
      case 'grant-group': {
        const groupSid = await sidOf(dir, req.domain, req.group);
        await dir.modify(s.dn, [{ operation: 'replace', attribute: 'msDS-GroupMSAMembership', values: [membershipFor([...s.keepSids, groupSid])] }], action);
        break;
      }
      case 'set-attribute':
        await dir.modify(s.dn, [{ operation: 'replace', attribute: s.attribute, values: [s.value] }], action);
        break;
      case 'add-member':
        await dir.modify(s.groupDn, [{ operation: 'add', attribute: 'member', values: [s.memberDn] }], action);
        break;
    }
    onStep(action);
  }
}
