/**
 * Loads an npm dependency on first use. `bundled` must be a literal
 * `() => require('name')`: the bundler sees it and inlines the package into
 * dist/cli.cjs. The plain ESM build (tsc, tests) has no `require` and
 * resolves `name` at run time (node:module is not imported up front:
 * loading it costs every start).
 */
export function lazyPackage<T>(bundled: () => unknown, name: string): () => T {
  let loaded: T | undefined;
  return () =>
    (loaded ??= (typeof require === 'function'
      ? bundled()
      : process.getBuiltinModule('node:module').createRequire(import.meta.url)(name)) as T);
}
