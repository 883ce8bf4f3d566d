import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delimitedStep, fixedStep } from '../../src/transport/steps.js';

const crlf2 = [Buffer.from('\r\n\r\n')];
const headEnd = [Buffer.from('\n\n'), Buffer.from('\n\r\n')];
const tooLong = () => new Error('too long');

test('fixedStep: room shrinks to 0, extra bytes are left', () => {
  const step = fixedStep(3);
  assert.equal(step.room(), 3);
  assert.equal(step.accept(Buffer.from([1])), 1);
  assert.equal(step.room(), 2);
  assert.equal(step.result(), undefined);
  assert.equal(step.accept(Buffer.from([2, 3, 4])), 2);
  assert.equal(step.room(), 0);
  assert.deepEqual([...step.result()!], [1, 2, 3]);
});

test('delimitedStep: room is what the delimiter still needs, never past it', () => {
  // After these bytes, the next read may take at most `room` without passing "\r\n\r\n".
  const cases: Array<[string, number]> = [
    ['', 4],
    ['HTTP/1.0 200 OK', 4],
    ['HTTP/1.0 200 OK\r', 3],
    ['HTTP/1.0 200 OK\r\n', 2],
    ['HTTP/1.0 200 OK\r\n\r', 1],
    ['a\r\nb', 4],
    ['a\r\r', 3],
  ];
  for (const [sent, room] of cases) {
    const step = delimitedStep(crlf2, 100, tooLong);
    step.accept(Buffer.from(sent, 'latin1'));
    assert.equal(step.room(), room, JSON.stringify(sent));
  }
});

test('delimitedStep: room never exceeds what the limit allows', () => {
  const step = delimitedStep(crlf2, 10, tooLong);
  step.accept(Buffer.from('abcdefgh'));
  assert.equal(step.room(), 2);
});

test('delimitedStep: finds the delimiter across chunks and takes nothing after it', () => {
  const step = delimitedStep(crlf2, 100, tooLong);
  assert.equal(step.accept(Buffer.from('HTTP/1.0 200 OK\r\n\r')), 18);
  assert.equal(step.accept(Buffer.from('\nSSH-2.0-x')), 1);
  assert.equal(step.result()!.toString(), 'HTTP/1.0 200 OK\r\n\r\n');
  assert.equal(step.room(), 0);
});

test('delimitedStep: a head of exactly the limit passes, one byte more fails', () => {
  const ok = delimitedStep(crlf2, 8, tooLong);
  ok.accept(Buffer.from('abcd\r\n\r\n'));
  assert.equal(ok.result()!.length, 8);
  const over = delimitedStep(crlf2, 8, tooLong);
  assert.throws(() => over.accept(Buffer.from('abcde\r\n\r\n')), /too long/);
});

test('delimitedStep: grows past its first capacity', () => {
  const step = delimitedStep([Buffer.from('\n')], 4096, tooLong);
  for (let i = 0; i < 1000; i++) step.accept(Buffer.from('x'));
  step.accept(Buffer.from('\n'));
  assert.equal(step.result()!.length, 1001);
});

test('delimitedStep with several delimiters: the least room, the earliest-ending match', () => {
  const cases: Array<[string, number]> = [
    ['HTTP/1.0 200 OK', 2], // "\n\n" needs 2
    ['HTTP/1.0 200 OK\r', 2],
    ['HTTP/1.0 200 OK\r\n', 1], // "\n" + "\n"
    ['HTTP/1.0 200 OK\r\n\r', 1],
    ['HTTP/1.0 200 OK\n', 1],
  ];
  for (const [sent, room] of cases) {
    const step = delimitedStep(headEnd, 100, tooLong);
    step.accept(Buffer.from(sent, 'latin1'));
    assert.equal(step.room(), room, JSON.stringify(sent));
  }
  const crlf = delimitedStep(headEnd, 100, tooLong);
  assert.equal(crlf.accept(Buffer.from('HTTP/1.0 200 OK\r\n\r\nSSH')), 19);
  assert.equal(crlf.result()!.toString(), 'HTTP/1.0 200 OK\r\n\r\n');
  const lf = delimitedStep(headEnd, 100, tooLong);
  assert.equal(lf.accept(Buffer.from('HTTP/1.0 200 OK\n\n\r\n')), 17);
  const split = delimitedStep(headEnd, 100, tooLong);
  split.accept(Buffer.from('HTTP/1.0 200 OK\r\n'));
  assert.equal(split.accept(Buffer.from('\r\nSSH')), 2);
  assert.equal(split.result()!.toString(), 'HTTP/1.0 200 OK\r\n\r\n');
});
