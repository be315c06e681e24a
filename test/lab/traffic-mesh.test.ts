// Pods on different nodes reach each other through petrel's routes, nodes in a full iBGP mesh
// (SPEC §5): VXLAN Always, no encapsulation (same subnet), CrossSubnet.
import { LabMode } from '../../src/lab/configs.js';
import { describeTraffic } from './traffic.js';

describeTraffic(LabMode.VXLAN, false);
describeTraffic(LabMode.NO_ENCAP, false);
describeTraffic(LabMode.CROSS_SUBNET, false);
