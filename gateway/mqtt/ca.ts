/**
 * The gateway's own certificate authority (issue 9, item 5): a credential that dies with the sensor, whatever
 * broker runs. At provisioning every sensor gets an X.509 client certificate, CN = its sensor id, whose `notAfter`
 * is the last second of its expiry day (UTC). Any TLS server that trusts this CA — the embedded broker's mqtts
 * listener, or a mosquitto with `require_certificate true` and `use_identity_as_username true` — then refuses the
 * sensor after its expiry by its own clock, without any drukte code deciding.
 *
 * Certificates are made by the system `openssl` (OpenSSL 3, `openssl ca`, which can set explicit start and end
 * dates and keeps the index that revocation and the CRL need). Private keys are written 0600, in a 0700 directory.
 *
 *   <dir>/ca.key  ca.crt           the CA (EC P-256, 10 years)
 *   <dir>/index.txt serial crlnumber openssl.cnf   openssl's bookkeeping
 *   <dir>/issued/<serial>.pem      every certificate issued (for revocation)
 *   <dir>/crl.pem                  the current revocation list (after revoke())
 *
 * Rotation and revocation: docs/PROTOCOL.md, "Client certificates".
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isValidId } from '../../shared/topics.ts';

const run = promisify(execFile);

export class CaError extends Error {
  override name = 'CaError';
}

export interface IssuedCertificate {
  /** PEM of the client certificate. */
  cert: string;
  /** PEM of its private key (store 0600; it never leaves the bundle). */
  key: string;
  /** PEM of the CA certificate (for brokers: `cafile` / `--client-ca`; it signs client certificates only). */
  ca: string;
  serial: string;
  notAfter: Date;
}

/** openssl's UTCTime/GeneralizedTime argument for -startdate/-enddate: YYYYMMDDHHMMSSZ. */
const asn1Time = (d: Date) => d.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z');

/** The last second of an expiry day (UTC): 2026-05-31 → 2026-05-31T23:59:59Z (X.509 notAfter is inclusive). */
export function notAfterFor(expiresAt: string): Date {
  return new Date(Date.parse(`${expiresAt}T23:59:59Z`));
}

const CONFIG = (dir: string) => `# written by drukte (gateway/mqtt/ca.ts)
[ ca ]
default_ca = drukte

[ drukte ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/issued
certificate = $dir/ca.crt
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_crl_days = 30
policy = only_cn
unique_subject = no
copy_extensions = none
x509_extensions = client_cert

[ only_cn ]
commonName = supplied

[ client_cert ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

export class GatewayCa {
  private constructor(readonly dir: string) {}

  /** Open the CA in `dir`, creating it (key 0600) on first use. */
  static async open(dir: string, commonName = 'drukte gateway CA'): Promise<GatewayCa> {
    mkdirSync(join(dir, 'issued'), { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const ca = new GatewayCa(dir);
    writeFileSync(join(dir, 'openssl.cnf'), CONFIG(dir));
    if (!existsSync(join(dir, 'ca.key'))) {
      if (!existsSync(join(dir, 'index.txt'))) writeFileSync(join(dir, 'index.txt'), '');
      writeFileSync(join(dir, 'serial'), '1000\n');
      writeFileSync(join(dir, 'crlnumber'), '1000\n');
      await ca.openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', join(dir, 'ca.key')]);
      chmodSync(join(dir, 'ca.key'), 0o600);
      await ca.openssl(['req', '-x509', '-new', '-key', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-days', '3650', '-subj', `/CN=${commonName}`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    }
    return ca;
  }

  get caCert(): string {
    return readFileSync(join(this.dir, 'ca.crt'), 'utf8');
  }

  /**
   * Issue a client certificate for a sensor: CN = sensor id, valid from `notBefore` (default: now − 5 min, for
   * clock skew) to `notAfter` (default: the last second of the expiry day).
   */
  async issue(sensorId: string, opts: { expiresAt?: string; notBefore?: Date; notAfter?: Date }): Promise<IssuedCertificate> {
    if (!isValidId(sensorId)) throw new CaError(`not a sensor id: ${JSON.stringify(sensorId)}`);
    const notAfter = opts.notAfter ?? (opts.expiresAt ? notAfterFor(opts.expiresAt) : null);
    if (!notAfter) throw new CaError('a certificate needs the sensor expiry (notAfter)');
    const notBefore = opts.notBefore ?? new Date(Math.floor(Date.now() / 1000) * 1000 - 300_000);
    const work = mkdtempSync(join(this.dir, '.issue-'));
    try {
      const keyFile = join(work, 'key.pem');
      await this.openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
      await this.openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${sensorId}`, '-out', join(work, 'req.csr')]);
      const serial = readFileSync(join(this.dir, 'serial'), 'utf8').trim();
      await this.openssl(['ca', '-batch', '-config', join(this.dir, 'openssl.cnf'), '-in', join(work, 'req.csr'), '-out', join(work, 'cert.pem'),
        '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter), '-notext']);
      return { cert: readFileSync(join(work, 'cert.pem'), 'utf8'), key: readFileSync(keyFile, 'utf8'), ca: this.caCert, serial, notAfter };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** Revoke every certificate issued to a sensor and write a fresh CRL (crl.pem); returns its path. */
  async revoke(sensorId: string): Promise<string> {
    const index = readFileSync(join(this.dir, 'index.txt'), 'utf8').split('\n');
    for (const line of index) {
      const [status, , , serial, , subject] = line.split('\t');
      if (status === 'V' && subject === `/CN=${sensorId}` && serial) {
        await this.openssl(['ca', '-config', join(this.dir, 'openssl.cnf'), '-revoke', join(this.dir, 'issued', `${serial}.pem`)]);
      }
    }
    return this.writeCrl();
  }

  async writeCrl(): Promise<string> {
    const out = join(this.dir, 'crl.pem');
    await this.openssl(['ca', '-gencrl', '-config', join(this.dir, 'openssl.cnf'), '-out', out]);
    return out;
  }

  /** Serial numbers issued so far (for tests and audits). */
  issued(): string[] {
    return readdirSync(join(this.dir, 'issued')).map((f) => f.replace(/\.pem$/, ''));
  }

  private async openssl(args: string[]): Promise<void> {
    try {
      await run('openssl', args);
    } catch (err) {
      const e = err as { code?: string; stderr?: string };
      if (e.code === 'ENOENT') throw new CaError('the system openssl is needed to issue sensor certificates (apt-get install openssl)');
      throw new CaError(`openssl ${args[0]} failed: ${(e.stderr ?? '').trim().split('\n').slice(-2).join(' ')}`);
    }
  }
}
