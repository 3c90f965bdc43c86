// What `require("fstore")` returns inside a CommonJS feature repository: the
// running fstore's own entry point, published by fstore-specifier.ts.
module.exports = globalThis[Symbol.for("fstore.entry")];
