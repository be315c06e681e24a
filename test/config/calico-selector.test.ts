import { describe, expect, it } from 'vitest';
import { parseSelector } from '../../src/config/calico/selector.js';

const RR = { 'route-reflector': 'true', rack: 'rack1', 'kubernetes.io/hostname': 'rr-1' };
const WORKER = { rack: 'rack2', zone: 'eu-west-1a' };
const BARE = {};

function matches(selector: string, labels: Record<string, string>): boolean {
  const parsed = parseSelector(selector);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.selector.matches(labels);
}

describe('Calico label selectors (libcalico-go lib/selector)', () => {
  // [selector, RR node, worker, node without labels]
  const table: [string, boolean, boolean, boolean][] = [
    ['all()', true, true, true],
    ['', true, true, true],
    ['global()', true, true, true],
    ['has(route-reflector)', true, false, false],
    ['!has(route-reflector)', false, true, true],
    ["route-reflector == 'true'", true, false, false],
    ['route-reflector == "true"', true, false, false],
    // != and not in are true when the label is absent, as in Calico's evaluator.
    ["rack != 'rack1'", false, true, true],
    ["rack in {'rack1', 'rack3'}", true, false, false],
    ["rack not in {'rack1'}", false, true, true],
    ["rack notin {'rack1'}", false, true, true],
    ['rack in {}', false, false, false],
    ["has(rack) && rack != 'rack1'", false, true, false],
    ["rack == 'rack1' || zone == 'eu-west-1a'", true, true, false],
    // && binds tighter than ||.
    ["has(zone) || has(rack) && rack == 'rack9'", false, true, false],
    ["(has(zone) || has(rack)) && rack == 'rack2'", false, true, false],
    ["!(rack == 'rack1')", false, true, true],
    ['!!has(route-reflector)', true, false, false],
    ["zone starts with 'eu-'", false, true, false],
    ["zone ends with '1a'", false, true, false],
    ["kubernetes.io/hostname contains 'rr'", true, false, false],
    ["  has( rack )  &&  rack  ==  'rack1'  ", true, false, false],
  ];
  it.each(table)('%j selects the RR node %s, the worker %s, a bare node %s', (selector, rr, worker, bare) => {
    expect([matches(selector, RR), matches(selector, WORKER), matches(selector, BARE)]).toEqual([rr, worker, bare]);
  });

  it('lets a label be named like an operator word', () => {
    expect(matches("in == 'x'", { in: 'x' })).toBe(true);
    expect(matches('has(contains)', { contains: '' })).toBe(true);
  });

  const invalid: [string, RegExp][] = [
    ["rack = 'rack1'", /expected ==/],
    ['rack == rack1', /expected a quoted string/],
    ["rack == 'rack1", /unterminated string/],
    ['has(rack', /no closing/],
    ['has()', /no label name/],
    ["(rack == 'a'", /expected \)/],
    ["rack in {'a' 'b'}", /expected \}/],
    ["rack in 'a'", /set literal/],
    ["rack == 'a' rack == 'b'", /after a complete expression/],
    ["rack == 'a' &&", /unexpected end of selector/],
    ["rack & 'a'", /expected an operator|expected &&/],
    ['rack', /expected ==, !=/],
    ["rack == 'a' | x", /expected \|\|/],
    ['@', /unexpected characters/],
  ];
  it.each(invalid)('rejects %j', (selector, message) => {
    const parsed = parseSelector(selector);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});
