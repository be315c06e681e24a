// Pods on different nodes reach each other through petrel's routes, every node a client of a
// petrel route reflector (SPEC §5, RFC 4456): VXLAN Always, no encapsulation, CrossSubnet.
import { LabMode } from '../../src/lab/configs.js';
import { describeTraffic } from './traffic.js';

describeTraffic(LabMode.VXLAN, true);
describeTraffic(LabMode.NO_ENCAP, true);
describeTraffic(LabMode.CROSS_SUBNET, true);
