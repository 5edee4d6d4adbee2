// `metrics-plotter/internals`: what this package's tests, benchmarks and tools use besides the
// public API (src/kernel/internals.ts). Not a stable API.
module.exports = require('./lib/kernel/internals');
