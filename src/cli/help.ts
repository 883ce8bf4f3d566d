/** --help: the usage text and the option list (src/cli/options.ts), for stdout. */
import { usageText, VERSION } from './args.js';
import { OPTIONS } from './options.js';

const WIDTH = 78;

export function helpText(programName: string): string {
  const lines = [VERSION, usageText(programName).trimEnd(), '', 'options:'];
  for (const o of OPTIONS) {
    lines.push(`  ${o.arg ? `${o.flags} ${o.arg}` : o.flags}`);
    lines.push(...wrap(o.description, WIDTH - 6).map((l) => `      ${l}`));
  }
  lines.push('', 'Environment, rc files and examples: man connect.');
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(line);
  return out;
}
