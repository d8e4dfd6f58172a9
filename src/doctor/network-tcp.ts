/** One check per TCP port a container needs towards its DC, probed concurrently with --timeout each. */
import { label, firstDc } from './dc-targets';
import { tcpProbe } from './probes';
import { fail, pass, warn, type Check } from './types';

const PORTS: readonly { port: number; what: string; required: boolean }[] = [
  { port: 53, what: 'DNS', required: true },
  { port: 88, what: 'Kerberos', required: true },
  { port: 135, what: 'RPC endpoint mapper', required: true },
  { port: 139, what: 'NetBIOS session (not needed when 445 answers)', required: false },
  { port: 389, what: 'LDAP', required: true },
  { port: 445, what: 'SMB (Netlogon, SYSVOL)', required: true },
  { port: 636, what: 'LDAPS', required: false },
];

export const TCP_PORTS = PORTS.map((p) => p.port);

export const networkTcpChecks: Check[] = PORTS.map(
  ({ port, what, required }): Check => ({
    id: `network-tcp-${port}`,
    group: 'network',
    title: `TCP ${port} (${what})`,
    network: true,
    async run(ctx) {
      const dc = await firstDc(ctx);
      const r = await tcpProbe(dc.address, port, ctx.timeoutMs);
      if (r.ok) return pass(`${label(dc)}:${port} answered in ${r.ms} ms`);
      const detail = `${label(dc)}:${port}: ${r.reason}`;
      const fix = `Open TCP ${port} from the container hosts to the DC (firewall), then: Test-NetConnection ${dc.name} -Port ${port}`;
      return required ? fail(detail, fix) : warn(detail, fix);
    },
  }),
);
