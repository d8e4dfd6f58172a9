// Preloaded with --require: records every module the process requires and prints the list on exit.
const Module = require('module');
const seen = new Set();
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (!isMain) seen.add(request.startsWith('node:') || Module.builtinModules.includes(request) ? `node:${request.replace(/^node:/, '')}` : request);
  return load.apply(this, arguments);
};
process.on('exit', () => process.stderr.write(`MODULES ${JSON.stringify([...seen])}\n`));
