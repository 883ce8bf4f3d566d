/**
 * Changing V8's flags at run time (the relay's --no-opt, the PAC sandbox's
 * WebAssembly flags). V8 tags a code cache with the flags in force when it
 * is made and rejects it under others, so a run that changed them must not
 * write bin/connect.cjs's cache at exit: every plain start would reject that
 * cache and write it again. The mark below tells the launcher.
 */
export const V8_FLAGS_CHANGED = Symbol.for('connect.v8-flags-changed');

export function setV8Flags(...flags: string[]): void {
  (globalThis as Record<symbol, unknown>)[V8_FLAGS_CHANGED] = true;
  const v8 = process.getBuiltinModule('node:v8');
  for (const flag of flags) v8.setFlagsFromString(flag);
}
