/**
 * Extra bundler config for `jupyter labextension build`. The builder always exposes the package's
 * "main" as './index', but our main is the kernel side (Node code that runs inside tslab), which has
 * no business in the browser bundle: map it to an empty module. The frontend is lib/lab/index.js.
 */
const path = require('path');
module.exports = {
  resolve: {
    alias: { [path.resolve(__dirname, 'lib/kernel/index.js')]: false }
  }
};
