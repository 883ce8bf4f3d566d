/**
 * The bench's A/B for the code cache: dist/cli.cjs loaded by a plain
 * require(), so V8 compiles it from source, or, with NODE_COMPILE_CACHE set
 * (Node 22+), through Node's own module compile cache — against
 * bin/connect.cjs's code cache made after whole sessions ran.
 */
import path = require('node:path');

const cli = require(path.join(__dirname, '..', '..', '..', 'dist', 'cli.cjs')) as { run(argv: string[], exit: (code: number) => void): void };
cli.run(process.argv, (code) => process.exit(code));
