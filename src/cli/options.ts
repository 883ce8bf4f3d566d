/**
 * The command line's options and environment, described once: the source
 * for `-h`-style help text and for man/connect.1 (scripts/gen-man.mjs).
 * Plain data, no imports: loading it costs nothing.
 */

export interface OptionDoc {
  /** As typed: `-S`, `--insecure`. */
  flags: string;
  /** Value placeholder, when the option takes one: `[user@]socks[:port]`. */
  arg?: string;
  /** One paragraph, plain text. */
  description: string;
}

export const OPTIONS: readonly OptionDoc[] = [
  { flags: '-n', description: 'Connect directly, without a proxy (the default).' },
  { flags: '-s', description: 'Use a SOCKS server from the environment (SOCKS5_SERVER or SOCKS4_SERVER, then SOCKS_SERVER).' },
  { flags: '-S', arg: '[user@]socks-server[:port]', description: 'Use this SOCKS server (default port 1080). A list host1:1080,host2:1080 is tried in order; the word direct in the list (beyond connect.c) goes straight to the target.' },
  { flags: '-h', description: 'Use the HTTP proxy from HTTP_PROXY (HTTP CONNECT).' },
  { flags: '-H', arg: '[user@]proxy-server[:port]', description: 'Use this HTTP proxy (default port 80); an http:// prefix is accepted, and https:// (beyond connect.c) speaks TLS to the proxy (default port 443). As with -S, a comma-separated list is tried in order, and the word direct is a candidate.' },
  { flags: '-t', description: 'Use the telnet proxy from TELNET_PROXY.' },
  { flags: '-T', arg: 'proxy-server[:port]', description: 'Use this telnet proxy (default port 23).' },
  { flags: '-4', description: 'Speak SOCKS4 (SOCKS4a when the name is resolved remotely).' },
  { flags: '-5', description: 'Speak SOCKS5 (the default).' },
  { flags: '-R', arg: 'local|remote|both|dns-server', description: 'Where the target name is resolved: here (local), by the proxy (remote, the SOCKS5 default; both behaves as remote, like connect.c), or locally through the DNS server at this address (IPv4 or IPv6; falling back to the system resolver).' },
  { flags: '-a', arg: 'auth-list', description: 'SOCKS5 methods to offer, comma-separated from none, gssapi, userpass, chap (default none,userpass; also SOCKS5_AUTH).' },
  { flags: '-w', arg: 'secs', description: 'One deadline over resolving, connecting and proxy negotiation; on expiry report a timeout and exit 1.' },
  { flags: '-p', arg: '[addr:]local-port', description: 'Instead of stdin/stdout, accept one TCP connection on this local port (127.0.0.1 unless an address is given) and relay it.' },
  { flags: '-P', arg: '[addr:]local-port', description: 'Like -p, but keep the remote session when the local client disconnects and wait for the next one.' },
  { flags: '-c', arg: 'telnet-command', description: 'The telnet proxy request, default "telnet %h %p"; %h and %p become target host and port, \\r \\n \\t control characters.' },
  { flags: '-x', arg: 'proxy-url', description: 'Use this proxy URL: socks5://, socks5h://, socks4://, socks4a://, http:// or https:// [user[:password]@]host[:port]. Repeat for a chain (each hop negotiated through the previous one); url1,url2 within one -x are tried in order, at every hop. direct:// is a candidate too (no proxy at that hop). A candidate ending in ?localnet=10.0.0.0/8|192.168.1.0/24 is used only while a local interface address is in one of those ranges (a roaming rule; ! excludes a range). The word auto is what a desktop would use: ALL_PROXY, all_proxy, HTTPS_PROXY or https_proxy (the first set), else direct. NO_PROXY applies.' },
  { flags: '--explain', description: 'Print the route connect would take for host and port (each hop and candidate in order, the direct-list or NO_PROXY entry that matched, the roaming rules and whether they fired) and where every setting came from (option, environment variable, rc file and line, default), passwords as xxxx; then exit 0 without connecting. --explain=json prints the same as JSON. -d logs the same at the start of a session.' },
  { flags: '--pac-cache', arg: 'secs|off', description: 'Keep a PAC script fetched by -x pac+http(s):// or found by WPAD in ~/.cache/connect/pac (XDG_CACHE_HOME/connect/pac when set) for at most this long (default 300, at most 3600; off or 0: fetch it every time; also CONNECT_PAC_CACHE), so the next connection need not fetch it or probe for WPAD. The server\'s Cache-Control (max-age, no-store, no-cache) can shorten that, never lengthen it. An expired copy is used only when fetching it again fails because the server cannot be reached or answers 5xx, for up to 300 s more, with a warning. WPAD answers are kept per DNS domain and network (name servers, local addresses). pac+file:// is never cached. --explain and -d say whether the script came from the cache (and its age) or the network.' },
  { flags: '-k', arg: 'secs', description: 'Enable TCP keepalive on the proxy connection with this initial delay.' },
  { flags: '--insecure', description: 'Do not verify the certificate of an https:// proxy.' },
  { flags: '-d', description: 'Report progress on stderr; -dd also dumps relayed data in hex. Passwords and credentials are never shown.' },
  { flags: '-D', description: 'Add every local network (interface address/mask) to the direct list.' },
  { flags: '-F', description: 'Hand the connected socket to ssh instead of relaying (ssh_config: ProxyUseFdpass yes): once the whole route is negotiated, the socket is passed over stdout and connect exits, so no process stays in the data path. Not with -p/-P or an https:// hop (the TLS session would stay in this process); stdout must be the unix socket ssh gives its proxy command.' },
  { flags: '-V', description: 'Print name and version on stderr and exit.' },
  { flags: '--version', description: 'Print name and version on stdout and exit.' },
  { flags: '--help', description: 'Print usage and this option list on stdout and exit. (-h is connect.c\'s HTTP proxy flag.)' },
];

export interface EnvDoc {
  name: string;
  description: string;
  /** Also accepted in /etc/connectrc and ~/.connectrc. */
  rc: boolean;
}

export const ENVIRONMENT: readonly EnvDoc[] = [
  { name: 'SOCKS5_SERVER, SOCKS4_SERVER, SOCKS_SERVER', rc: true, description: 'SOCKS server for -s, as [user@]host[:port].' },
  { name: 'HTTP_PROXY', rc: true, description: 'HTTP proxy for -h, as [user@]host[:port] or http://host:port/.' },
  { name: 'TELNET_PROXY', rc: false, description: 'Telnet proxy for -t.' },
  { name: 'SOCKS5_RESOLVE, SOCKS4_RESOLVE, SOCKS_RESOLVE', rc: true, description: 'Default for -R.' },
  { name: 'SOCKS5_USER, SOCKS4_USER, SOCKS_USER, HTTP_PROXY_USER, CONNECT_USER', rc: true, description: 'User name for the proxy (SOCKS4_USER and SOCKS_USER: environment only); default the login name. For NTLM, DOMAIN\\user or user@domain.' },
  { name: 'SOCKS5_PASSWD, SOCKS5_PASSWORD, HTTP_PROXY_PASSWORD, CONNECT_PASSWORD', rc: true, description: 'Password for the proxy; otherwise asked for when the proxy demands one.' },
  { name: 'HTTP_PROXY_NTHASH', rc: true, description: 'HTTP proxies asking for NTLM or Negotiate: the NT hash (32 hex digits) used instead of a password, so no plaintext password is stored.' },
  { name: 'SOCKS5_DIRECT, SOCKS4_DIRECT, SOCKS_DIRECT, HTTP_DIRECT, CONNECT_DIRECT', rc: true, description: 'Direct lists: comma-separated hosts, domains and address ranges (a leading ! excludes) reached without the proxy.' },
  { name: 'SOCKS5_AUTH', rc: true, description: 'Default for -a.' },
  { name: 'SSH_ASKPASS', rc: true, description: 'Program asked for passwords when DISPLAY or WAYLAND_DISPLAY is set, as OpenSSH does; otherwise the password is read from /dev/tty, never from stdin.' },
  { name: 'SSH_ASKPASS_REQUIRE', rc: false, description: 'never, prefer or force, as in OpenSSH.' },
  { name: 'CONNECT_PROXY', rc: true, description: 'Proxy URLs used as -x when no method option is given; blanks separate the hops of a chain. Accepts everything -x does: direct://, ?localnet= roaming rules, auto.' },
  { name: 'ALL_PROXY, all_proxy, HTTPS_PROXY, https_proxy', rc: false, description: 'Read only for -x auto / CONNECT_PROXY=auto, in that order; a value without a scheme is an HTTP proxy.' },
  { name: 'NO_PROXY, no_proxy', rc: true, description: 'With -x or CONNECT_PROXY: hosts, domains and address ranges reached directly (* for all).' },
  { name: 'CONNECT_KEEPALIVE', rc: true, description: 'Default for -k.' },
  { name: 'CONNECT_PAC_CACHE', rc: true, description: 'Default for --pac-cache: seconds, or off.' },
  { name: 'XDG_CACHE_HOME', rc: false, description: 'Where the PAC cache lives (XDG_CACHE_HOME/connect/pac) when it is an absolute path; otherwise ~/.cache/connect/pac in the home directory of the passwd entry.' },
  { name: 'NODE_EXTRA_CA_CERTS', rc: false, description: 'Extra CA certificates (PEM file) trusted for https:// proxies, besides the bundled and system ones.' },
  { name: 'DEBUG', rc: false, description: 'connect:* enables the -d output (debug package convention).' },
];
