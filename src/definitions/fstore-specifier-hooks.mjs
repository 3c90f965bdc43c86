// Module resolution hooks (node:module register): the bare specifier "fstore"
// resolves to the running fstore's entry point, whatever node_modules the
// feature repository has (none, or another copy). Plain JavaScript: it runs in
// Node's loader thread, outside any TypeScript loader.
let target = "";

export function initialize(data) {
  target = data.target;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "fstore") return { url: target, shortCircuit: true };
  return nextResolve(specifier, context);
}
