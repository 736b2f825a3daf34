// Node 22 is the floor: supabase-js 2.119 declares it (and warns on every start below it), and Node 20
// is past its end of life. The npm scripts run on the Node 22 that the root `node` devDependency
// installs; this stops a start on an older Node with one line saying what to do.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`Node ${process.version} is too old: this project needs Node 22 or later. Run it through npm (npm start, npm test), which uses the Node 22 that npm install put in node_modules/.bin.`);
  process.exit(1);
}
