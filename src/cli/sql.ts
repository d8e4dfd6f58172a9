import type { Command } from 'commander';
import type { DirectoryFlags } from '../ad/settings';
import { parseFormat, renderObject } from '../util/format';
import { addDirectoryOptions, DIRECTORY_HELP, withDirectory } from './ad-shared';
import type { Deps } from './deps';
import { collect, splitList } from './options';

interface SqlOptions extends DirectoryFlags {
  database?: string;
  roles?: string[];
  netbios?: string;
  sqlServer?: string;
  format?: string;
}

export function registerSql(program: Command, deps: Deps): void {
  const cmd = program
    .command('sql')
    .description('Print the T-SQL that gives a gMSA a SQL Server login, user and roles, and its connection string')
    .argument('<account>', 'the gMSA (webapp01)')
    .option('--database <db>', 'create the database user in this database')
    .option('--roles <list>', 'database roles to add the user to (comma-separated, repeatable; needs --database)', collect)
    .option('--netbios <name>', "the domain's NetBIOS name (default: read from Active Directory)")
    .option('--sql-server <host>', 'the SQL Server for the connection string (default a placeholder)')
    .option('--format <format>', 'text (default), json, or a template such as {{.Login}}');
  addDirectoryOptions(cmd).addHelpText(
    'after',
    `
The login is NETBIOS\\ACCOUNT$ FROM WINDOWS; names are bracket-quoted and literals escaped, and every
statement can be run twice. Without --netbios the NetBIOS name comes from Active Directory.
${DIRECTORY_HELP}

Examples:
  docker gmsa sql webapp01 --netbios CONTOSO --database AppDb --roles db_datareader,db_datawriter
  docker gmsa sql webapp01 --database AppDb --sql-server sql01.contoso.com | sqlcmd -S sql01 -E`,
  );
  cmd.action(async (account: string, o: SqlOptions) => {
    const format = parseFormat(o.format);
    const { planSql, renderSql } = require('../windows/sql') as typeof import('../windows/sql');
    const netbios =
      o.netbios ??
      (await withDirectory(o, deps, async (dir) => (await (require('../ad/domain') as typeof import('../ad/domain')).readDomain(dir)).netbiosName));
    const plan = planSql({ account, netbios, ...(o.database !== undefined ? { database: o.database } : {}), roles: splitList(o.roles), ...(o.sqlServer ? { sqlServer: o.sqlServer } : {}) });
    const json = { Login: plan.login, Database: plan.database ?? null, Roles: plan.roles, Script: plan.script, ConnectionString: plan.connectionString };
    deps.io.out(renderObject(format, json, () => renderSql(plan)));
  });
}
