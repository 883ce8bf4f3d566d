/**
 * `-x auto` / `CONNECT_PROXY=auto`: what a desktop would do. Each step
 * either names the candidates or passes to the next; the last, DIRECT,
 * always answers. Discovery that needs the network (WPAD) is a candidate
 * whose dialer does the work: its step goes after the environment, before
 * DIRECT, and fails over to DIRECT when it finds nothing.
 */
import type { CandidateUrl } from './spec.js';

export interface AutoChoice {
  /** The text to parse as a candidate list, or the candidates themselves. */
  text?: string;
  candidates?: CandidateUrl[];
  /** `environment variable ALL_PROXY`, `no proxy in the environment`. */
  from: string;
}

export type AutoStep = (env: Record<string, string | undefined>) => AutoChoice | undefined;

/** The conventional variables curl and most tools honour, in this order; an empty one is unset. */
export const AUTO_VARIABLES = ['ALL_PROXY', 'all_proxy', 'HTTPS_PROXY', 'https_proxy'] as const;

const fromEnvironment: AutoStep = (env) => {
  const name = AUTO_VARIABLES.find((n) => (env[n] ?? '') !== '');
  if (!name) return undefined;
  const value = env[name]!.trim();
  // curl's convention: a value without a scheme is an HTTP proxy.
  return { text: /^[a-z0-9]+:\/\//i.test(value) ? value : `http://${value}`, from: `environment variable ${name}` };
};

const direct: AutoStep = () => ({ candidates: [{ kind: 'direct' }], from: `no ${AUTO_VARIABLES.join('/')} in the environment: DIRECT` });

/** WPAD (a network look-up, done by its dialer when connecting), failing over to DIRECT when it finds nothing. */
const wpadThenDirect: AutoStep = () => ({
  candidates: [{ kind: 'wpad' }, { kind: 'direct' }],
  from: `no ${AUTO_VARIABLES.join('/')} in the environment: WPAD, else DIRECT`,
});

/** In order; the first that answers decides. */
export const AUTO_STEPS: AutoStep[] = [fromEnvironment, wpadThenDirect, direct];

/** `withWpad` false (a hop of a chain): WPAD's answer is a whole route, so it is skipped there. */
export function chooseAuto(env: Record<string, string | undefined>, withWpad = true): AutoChoice {
  for (const step of AUTO_STEPS) {
    if (step === wpadThenDirect && !withWpad) continue;
    const choice = step(env);
    if (choice) return choice;
  }
  return direct(env)!;
}
