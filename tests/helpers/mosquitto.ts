/**
 * A real mosquitto for the external-broker tests (installed by .ci/run): where its binary is (undefined: the tests
 * that need it are skipped), and a free loopback port to start it on (mosquitto cannot listen on port 0).
 */
export { freePort, MOSQUITTO } from '../../bench/harness/net.ts';
