/** Stable error codes: tests and library users match on these, not on text. */
export type ErrorCode =
  | 'USAGE'            // bad command line
  | 'CONFIG'           // bad environment / rc value, no server for method
  | 'BAD_INPUT'        // host, port, user or password unusable on the wire
  | 'DNS'              // name resolution failed
  | 'CONNECT'          // TCP/TLS connection to proxy or target failed
  | 'TIMEOUT'          // -w deadline passed
  | 'PROXY_PROTOCOL'   // proxy broke the protocol (garbage, truncation, close)
  | 'PROXY_REFUSED'    // proxy answered, but refused the request
  | 'AUTH'             // authentication failed or no acceptable method
  | 'NO_PASSWORD'      // a password is needed and none can be asked for
  | 'RELAY'            // fault while relaying
  | 'PAC'              // proxy auto-config: fetching, running or reading the script failed
  | 'FDPASS';          // -F cannot hand the socket over here (stdout, TLS hop, platform, Node)

/** The one error type of connect: a code, and a message fit for one stderr line. */
export class ConnectError extends Error {
  readonly code: ErrorCode;
  /** Ends a failover list instead of moving on (a PAC script that misbehaved must not lead to DIRECT). */
  readonly final: boolean;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; final?: boolean }) {
    super(message, options);
    this.name = 'ConnectError';
    this.code = code;
    this.final = options?.final === true;
  }
}

/** One line for stderr, for any thrown value; never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof ConnectError) return err.message;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return oneLine(code && !err.message.includes(code) ? `${err.message} (${code})` : err.message);
  }
  return oneLine(String(err));
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
