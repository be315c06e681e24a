// IPIP Always (SPEC §3): `<block> via <node IP> dev tunl0 onlink`, written by petrel with its own
// protocol. This kernel has no ipip module, so tunl0 is a stand-in veth and the check is the
// exact kernel routes petrel installs on it, not traffic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabMode } from '../../src/lab/configs.js';
import { ipIn } from '../../src/lab/exec.js';
import { Lab } from '../../src/lab/lab.js';
import { expectExactRoutes } from './helpers.js';

describe('IPIP Always, full mesh (routes only: no ipip module here)', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start({ mode: LabMode.IPIP, reflector: false });
    await lab.waitForSessions();
    await lab.waitForRoutes();
  });

  afterAll(async () => {
    await lab?.stop();
  });

  it('installs every remote block via the node IP on tunl0, onlink, in and across subnets', async () => {
    await expectExactRoutes(lab);
    const a1 = await ipIn(lab.topology.namespaceOf('a1'), 'route', 'show', 'proto', 'bird');
    expect(a1.trimEnd().split('\n').filter((line) => !line.startsWith('blackhole')).map((line) => line.trim())).toEqual([
      '10.244.2.0/26 via 10.0.1.12 dev tunl0 onlink',
      '10.244.3.0/26 via 10.0.2.11 dev tunl0 onlink',
    ]);
  });
});
