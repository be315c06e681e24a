import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as constants from '../../../src/kernel/netlink/constants.js';

const TABLES = constants.C_PREFIX;
type TableName = keyof typeof TABLES;

/** Every constant as its C name, e.g. RtaType.DST → RTA_DST. */
function cNames(): Map<string, number> {
  const names = new Map<string, number>();
  for (const [table, prefix] of Object.entries(TABLES) as [TableName, string][]) {
    for (const [key, value] of Object.entries(constants[table])) names.set(`${prefix}${key}`, value);
  }
  names.set('NLA_TYPE_MASK', constants.NLA_TYPE_MASK);
  return names;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'petrel-nlconst-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Compiles a program that prints each name's value from the system's kernel headers. */
function headerValues(names: readonly string[]): Map<string, number> {
  const source = [
    '#include <stdio.h>',
    '#include <sys/socket.h>',
    '#include <linux/netlink.h>',
    '#include <linux/rtnetlink.h>',
    '#include <linux/if_link.h>',
    '#include <linux/if_addr.h>',
    '#include <linux/neighbour.h>',
    '#include <linux/if.h>',
    'int main(void) {',
    // NLA_TYPE_MASK is an int expression (~flags) meant for the u16 rta_type.
    ...names.map((n) => `  printf("%s %lld\\n", "${n}", (long long)(${n === 'NLA_TYPE_MASK' ? '(unsigned short)' : ''}(${n})));`),
    '  return 0;',
    '}',
  ].join('\n');
  const c = path.join(scratch, 'values.c');
  const exe = path.join(scratch, 'values');
  writeFileSync(c, source);
  execFileSync('cc', ['-o', exe, c]);
  const values = new Map<string, number>();
  for (const line of execFileSync(exe, { encoding: 'utf8' }).trim().split('\n')) {
    const [name, value] = line.split(' ');
    values.set(name!, Number(value));
  }
  return values;
}

describe('rtnetlink constants', () => {
  it('match linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h, neighbour.h, if.h and sys/socket.h', () => {
    const ours = cNames();
    expect(ours.size).toBeGreaterThan(200);
    const theirs = headerValues([...ours.keys()]);
    expect(Object.fromEntries(theirs)).toEqual(Object.fromEntries(ours));
  });
});
