import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isControl, isControlOrSpace, isDigits, isLineTerminator, isSpace, someChar } from '../../src/chars.js';

// Each test stands for a regular expression (src/chars.ts): over every UTF-16 code unit, they agree.
const predicates: [string, (code: number) => boolean, RegExp][] = [
  ['isControl', isControl, /[\x00-\x1f\x7f-\x9f]/],
  ['isSpace', isSpace, /\s/],
  ['isControlOrSpace', isControlOrSpace, /[\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/],
  ['isLineTerminator', isLineTerminator, /[\n\r\u2028\u2029]/], // what `.` does not match
];

for (const [name, predicate, pattern] of predicates) {
  test(`${name}: the same as ${pattern} for every code unit`, () => {
    const differ: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      if (predicate(code) !== pattern.test(char)) differ.push(code.toString(16));
    }
    assert.deepEqual(differ, []);
  });
}

test('isDigits: the same as /^\\d+$/', () => {
  const rows = ['', '0', '22', '65535', '0022', ' 22', '22 ', '2 2', '-1', '+1', '1e3', '0x16', '1.0', '٢٢', '２２', '22\n', '\n22', 'ssh'];
  for (const text of rows) assert.equal(isDigits(text), /^\d+$/.test(text), JSON.stringify(text));
});

test('someChar: any code unit, none in the empty string', () => {
  assert.equal(someChar('', () => true), false);
  assert.equal(someChar('ab\u0000', isControl), true);
  assert.equal(someChar('a\ud83d\ude00', (c) => c === 0xde00), true); // code units, not code points
  assert.equal(someChar('example.com', isControlOrSpace), false);
});
