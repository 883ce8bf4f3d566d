import net from 'node:net';
const t0 = performance.now();
const { Client } = await import('undici');
const t1 = performance.now();
let got = '';
const srv = net.createServer((s) => {
  s.on('data', (d) => { got += d.toString('latin1'); if (got.includes('\r\n\r\n')) s.write('HTTP/1.1 200 OK\r\n\r\nSSH-2.0-x\r\n'); });
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const sock = net.connect(srv.address().port, '127.0.0.1');
await new Promise((r) => sock.once('connect', r));
const client = new Client('http://127.0.0.1:1', { connect: (_o, cb) => { cb(null, sock); }, maxHeaderSize: 65536 });
const res = await client.connect({ path: 'example.com:22', headers: { host: 'example.com:22' } });
const early = await new Promise((r) => { res.socket.once('data', (d) => r(d.toString())); });
console.log(JSON.stringify(got), res.statusCode, JSON.stringify(early), 'import ms', (t1 - t0).toFixed(1));
res.socket.destroy(); srv.close(); client.destroy();
