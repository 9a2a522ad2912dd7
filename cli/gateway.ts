/**
 * `drukte gateway`: the municipality's gateway with its embedded MQTT broker, public pages, API and admin API.
 * The register, credentials and history live in SQLite in `--data-dir`. Sensors can be imported from manifest
 * files at start (`--manifests DIR`); their MQTT credentials come from the admin API (`drukte provision`).
 * The effective configuration is logged once at start, without secrets.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../shared/clock.ts';
import { createLogger } from '../shared/log.ts';
import { GatewayConfigError, startGateway, type GatewayOptions } from '../gateway/gateway.ts';
import { ExternalBrokerError } from '../gateway/mqtt/external-broker.ts';
import { ListenError } from '../gateway/listen.ts';
import { missingNodeFlags } from '../gateway/node-flags.ts';
import { sensorInfoFromManifest, type SensorInfo } from '../gateway/register.ts';
import { CliError, parse, port } from '../shared/args.ts';
import { loadManifest } from './manifest-file.ts';

const HELP = `usage: drukte gateway [--data-dir DIR] [--manifests DIR] [--http-port N] [--mqtt-port N] [--host ADDRESS] [--mqtt-host ADDRESS]
                      [--tls-cert FILE --tls-key FILE [--mqtts-port N]] [--ws-port N [--ws-tls]] [--https]
                      [--admin-token-file FILE] [--public-url URL] [--public-mqtt URL] [--public-mqtts URL]
                      [--broker URL [--broker-username U --broker-password-file F] [--broker-ca FILE]]
                      [--db postgres://… [--instance NAME]]

  --data-dir          SQLite database (register, credentials, history) (default ./drukte-data, env DRUKTE_DATA_DIR)
  --db URL            PostgreSQL instead of SQLite, e.g. postgres://drukte@db.example.nl/drukte (env DRUKTE_DB; a
                      password in PGPASSWORD or ~/.pgpass); several instances may share it (docs/SCALING.md). With
                      --broker, ingest then joins the shared subscription $share/drukte-ingest/…
  --instance NAME     this instance's name among several (default the host name, env DRUKTE_INSTANCE): its broker
                      session is drukte-gateway-NAME, kept across a crash so nothing it had not stored is lost
  --manifests         register (or update) the sensors described by the manifests in this directory
  --http-port         public pages, API and admin API (default 8080, env DRUKTE_HTTP_PORT)
  --mqtt-port         plain MQTT (default 1883, env DRUKTE_MQTT_PORT); keep it on loopback
  --host              address to listen on (default 127.0.0.1, env DRUKTE_HOST)
  --mqtt-host         address of the plain MQTT listener only (default: --host, env DRUKTE_MQTT_HOST), e.g.
                      127.0.0.1 while --host 0.0.0.0 serves HTTPS and MQTT over TLS to the network
  --tls-cert/--tls-key  PEM files: enables MQTT over TLS (env DRUKTE_TLS_CERT, DRUKTE_TLS_KEY)
  --client-ca FILE    the gateway CA's certificate (ca.crt of \`drukte provision --ca DIR\`): sensors log in on mqtts
                      with the client certificate it issued them (CN = sensor id), refused after its notAfter
  --crl FILE          the CA's revocation list (crl.pem), checked for every client certificate
  --mqtts-port        MQTT over TLS (default 8883, env DRUKTE_MQTTS_PORT)
  --ws-port           MQTT over WebSocket at /mqtt (env DRUKTE_WS_PORT; off unless given)
  --ws-tls            serve the WebSocket listener over TLS (wss) with the same certificate
  --https             serve the pages, API and admin API over HTTPS with the same certificate (env DRUKTE_HTTPS=1);
                      clients of a self-signed certificate set NODE_EXTRA_CA_CERTS=cert.pem
  --admin-token-file  file holding the admin token, or its scrypt hash (scrypt$…); else env DRUKTE_ADMIN_TOKEN
                      or DRUKTE_ADMIN_TOKEN_HASH. Without one, the admin API refuses everything (401).
  --public-url        the register's address as people reach it, e.g. https://drukte.example.nl/ (env DRUKTE_PUBLIC_URL);
                      default: the HTTP listener's. \`drukte provision --gateway\` prints it on each sensor's sign
  --public-mqtt/--public-mqtts  the broker as sensors reach it (env DRUKTE_PUBLIC_MQTT, DRUKTE_PUBLIC_MQTTS);
                      default: the listeners'. Compiled into each bundle provisioned with --gateway
  --broker            use this external broker (e.g. mosquitto) instead of the embedded one (env DRUKTE_BROKER);
                      its own password file and ACL then decide who may publish what (docs/PROTOCOL.md, section 10)
  --broker-username / --broker-password-file / --broker-ca   the gateway's login at the external broker
  --ngsi-ld-broker    push NGSI-LD CrowdFlowObserved entities to this context broker, e.g. http://orion-ld:1026
                      (env DRUKTE_NGSI_LD_BROKER; --ngsi-ld-tenant / DRUKTE_NGSI_LD_TENANT sets NGSILD-Tenant)`;

/** The admin credential from a file or the environment: a token, or a stored hash (starts with scrypt$). */
function adminCredential(file: string | undefined, warn: (msg: string) => void): GatewayOptions['admin'] {
  let raw: string | undefined;
  if (file) {
    try {
      raw = readFileSync(file, 'utf8').trim();
      if (process.platform !== 'win32' && statSync(file).mode & 0o077) warn(`${file} can be read by other users; chmod 600 it`);
    } catch (err) {
      throw new CliError(`cannot read the admin token file ${file}: ${(err as NodeJS.ErrnoException).code}`);
    }
  } else {
    raw = process.env.DRUKTE_ADMIN_TOKEN ?? process.env.DRUKTE_ADMIN_TOKEN_HASH;
  }
  if (!raw) return undefined;
  return raw.startsWith('scrypt$') ? { tokenHash: raw } : { token: raw };
}

function loadManifests(dir: string): SensorInfo[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  } catch (err) {
    throw new CliError(`cannot read manifest directory ${dir}: ${(err as NodeJS.ErrnoException).code}`);
  }
  return files.map((f) => sensorInfoFromManifest(loadManifest(join(dir, f), null)));
}

export async function run(argv: string[]): Promise<number> {
  const o = parse('gateway', argv, {
    'data-dir': { type: 'string' }, manifests: { type: 'string' }, 'http-port': { type: 'string' }, 'mqtt-port': { type: 'string' }, host: { type: 'string' }, 'mqtt-host': { type: 'string' },
    'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'mqtts-port': { type: 'string' }, 'ws-port': { type: 'string' }, 'ws-tls': { type: 'boolean' }, https: { type: 'boolean' },
    'admin-token-file': { type: 'string' }, 'public-url': { type: 'string' }, 'public-mqtt': { type: 'string' }, 'public-mqtts': { type: 'string' },
    'client-ca': { type: 'string' }, crl: { type: 'string' },
    broker: { type: 'string' }, 'broker-username': { type: 'string' }, 'broker-password-file': { type: 'string' }, 'broker-ca': { type: 'string' },
    'ngsi-ld-broker': { type: 'string' }, 'ngsi-ld-tenant': { type: 'string' },
    db: { type: 'string' }, instance: { type: 'string' },
  }, HELP);
  if (!o) return 0;
  const logger = createLogger('drukte');
  const missing = missingNodeFlags();
  if (missing.length) logger.warn(`node was started without ${missing.join(' ')}: under load the gateway then spends ~30 % more CPU per aggregate in garbage collection; start it as \`node ${missing.join(' ')} bin/drukte.js gateway …\` (the systemd unit and npm start do; docs/SCALING.md)`);
  const host = o.host ?? process.env.DRUKTE_HOST ?? '127.0.0.1';
  const cert = o['tls-cert'] ?? process.env.DRUKTE_TLS_CERT;
  const key = o['tls-key'] ?? process.env.DRUKTE_TLS_KEY;
  if (Boolean(cert) !== Boolean(key)) throw new CliError('--tls-cert and --tls-key go together');
  const wsFlag = o['ws-port'] ?? process.env.DRUKTE_WS_PORT;
  if (o['ws-tls'] && !cert) throw new CliError('--ws-tls needs --tls-cert and --tls-key');
  const https = Boolean(o.https) || process.env.DRUKTE_HTTPS === '1';
  if (https && !cert) throw new CliError('--https needs --tls-cert and --tls-key');
  if ((o['client-ca'] || o.crl) && !cert) throw new CliError('--client-ca and --crl need --tls-cert and --tls-key (client certificates are checked on mqtts)');
  const brokerUrl = o.broker ?? process.env.DRUKTE_BROKER;
  let brokerPassword: string | undefined;
  if (o['broker-password-file']) {
    try {
      brokerPassword = readFileSync(o['broker-password-file'], 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new CliError(`cannot read --broker-password-file ${o['broker-password-file']}: ${(err as NodeJS.ErrnoException).code}`);
    }
  }
  const publicUrls: NonNullable<GatewayOptions['publicUrls']> = {};
  for (const [flag, env, key, schemes] of [['public-url', 'DRUKTE_PUBLIC_URL', 'http', ['http:', 'https:']], ['public-mqtt', 'DRUKTE_PUBLIC_MQTT', 'mqtt', ['mqtt:', 'ws:']], ['public-mqtts', 'DRUKTE_PUBLIC_MQTTS', 'mqtts', ['mqtts:', 'wss:']]] as const) {
    const v = o[flag] ?? process.env[env];
    if (v === undefined) continue;
    let ok = false;
    try {
      ok = (schemes as readonly string[]).includes(new URL(v).protocol);
    } catch { /* reported below */ }
    if (!ok) throw new CliError(`--${flag} must be a ${schemes.map((x) => x.replace(':', '')).join(' or ')} URL, got '${v}'`);
    publicUrls[key] = v;
  }
  const options: GatewayOptions = {
    ...(Object.keys(publicUrls).length ? { publicUrls } : {}),
    mqtt: { host: o['mqtt-host'] ?? process.env.DRUKTE_MQTT_HOST ?? host, port: port(o['mqtt-port'], 'DRUKTE_MQTT_PORT', 1883, 'MQTT') },
    http: { host, port: port(o['http-port'], 'DRUKTE_HTTP_PORT', 8080, 'HTTP'), ...(https ? { tls: true } : {}) },
    ...(cert && key ? { mqtts: { host, port: port(o['mqtts-port'], 'DRUKTE_MQTTS_PORT', 8883, 'MQTTS'), certFile: cert, keyFile: key,
      ...(o['client-ca'] ? { clientCaFile: o['client-ca'] } : {}), ...(o.crl ? { crlFile: o.crl } : {}) } } : {}),
    ...(wsFlag !== undefined ? { ws: { host, port: port(o['ws-port'], 'DRUKTE_WS_PORT', 8083, 'WebSocket'), tls: Boolean(o['ws-tls']) } } : {}),
    ...(brokerUrl ? { externalBroker: { url: brokerUrl, ...(o['broker-username'] ? { username: o['broker-username'] } : {}), ...(brokerPassword ? { password: brokerPassword } : {}), ...(o['broker-ca'] ? { caFile: o['broker-ca'] } : {}) } } : {}),
    dataDir: o['data-dir'] ?? process.env.DRUKTE_DATA_DIR ?? 'drukte-data',
    ...((o.db ?? process.env.DRUKTE_DB) ? { db: (o.db ?? process.env.DRUKTE_DB)! } : {}),
    ...((o.instance ?? process.env.DRUKTE_INSTANCE) ? { instance: (o.instance ?? process.env.DRUKTE_INSTANCE)! } : {}),
    admin: adminCredential(o['admin-token-file'], (msg) => logger.warn(msg)),
    clock: systemClock,
    logger,
    sensors: o.manifests ? loadManifests(o.manifests) : [],
  };
  const ngsiBroker = o['ngsi-ld-broker'] ?? process.env.DRUKTE_NGSI_LD_BROKER;
  const ngsiTenant = o['ngsi-ld-tenant'] ?? process.env.DRUKTE_NGSI_LD_TENANT;
  if (ngsiBroker) options.ngsiLd = { brokerUrl: ngsiBroker, ...(ngsiTenant ? { tenant: ngsiTenant } : {}) };
  if (!options.admin) delete options.admin;
  let gateway;
  try {
    gateway = await startGateway(options);
  } catch (err) {
    if (err instanceof ListenError || err instanceof GatewayConfigError || err instanceof ExternalBrokerError) throw new CliError(err.message, 1);
    throw err;
  }
  logger.info(`register ${gateway.urls.http} · MQTT ${[gateway.urls.mqtt, gateway.urls.mqtts, gateway.urls.ws].filter(Boolean).join(' · ')} · Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await gateway.stop();
  return 0;
}
