#!/usr/bin/env bash
# Install (or re-install) the drukte gateway on Debian / Raspberry Pi OS and run it under systemd.
# Idempotent: running it again with a newer checkout updates the code and keeps the data, the admin token and TLS.
#
#   sudo hardware/pi/install-gateway.sh [--public-url URL] [--tls-cert FILE --tls-key FILE | --self-signed NAME]
#                                       [--source DIR] [--no-start]
#
#   --public-url   the register's address as people and sensors reach it, e.g. https://drukte.example.nl:8080/
#                  (printed on every sign; `drukte provision --gateway` takes it from the gateway)
#   --public-mqtts the broker as sensors reach it (default: mqtts://<host of --public-url>:8883)
#   --tls-cert/--tls-key   the gateway's certificate (chain) and key, PEM; copied to /etc/drukte/tls/
#   --self-signed NAME     no certificate yet: make a self-signed one for host name NAME (10 years; replace it
#                  with a real one later by re-running with --tls-cert/--tls-key). Sensors then need its cert.pem.
#   --source DIR   the drukte checkout to install (default: the one this script is in)
#   --no-start     install and enable, but do not start
#
# What it does: the system user `drukte`; the code in /opt/drukte/gateway (a copy of the checkout without .git and
# node_modules, then `npm ci --omit=dev` there, root-owned); the admin token in /etc/drukte/admin-token (made once,
# root 0600, handed to the service as a systemd credential); TLS files in /etc/drukte/tls (key 0640 root:drukte);
# drukte-gateway.service with a drop-in for the public URLs; the database in /var/lib/drukte/gateway (systemd's
# StateDirectory, kept across re-installs). For a dry run into a staging tree set DRUKTE_ROOT=DIR: then no user is
# created, npm and systemctl are not run, and every path above lives under DIR.
set -euo pipefail

die() { echo "install-gateway.sh: $*" >&2; exit 1; }
say() { echo "✓ $*"; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
public_url=
public_mqtts=
cert=
key=
self_signed=
start=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --public-url) [ $# -ge 2 ] || die "--public-url needs a URL"; public_url=$2; shift 2 ;;
    --public-mqtts) [ $# -ge 2 ] || die "--public-mqtts needs a URL"; public_mqtts=$2; shift 2 ;;
    --tls-cert) [ $# -ge 2 ] || die "--tls-cert needs a file"; cert=$2; shift 2 ;;
    --tls-key) [ $# -ge 2 ] || die "--tls-key needs a file"; key=$2; shift 2 ;;
    --self-signed) [ $# -ge 2 ] || die "--self-signed needs a host name"; self_signed=$2; shift 2 ;;
    --source) [ $# -ge 2 ] || die "--source needs a directory"; source_dir=$(cd "$2" && pwd) || die "no such directory: $2"; shift 2 ;;
    --no-start) start=no; shift ;;
    *) die "unknown option: $1 (see the comment at the top of this script)" ;;
  esac
done

root=${DRUKTE_ROOT:-}
dry=no
if [ -n "$root" ]; then
  mkdir -p "$root"; root=$(cd "$root" && pwd); dry=yes
else
  [ "$(id -u)" -eq 0 ] || die "run as root (sudo)"
fi
[[ -z "$public_url" || "$public_url" =~ ^https?://[^[:space:]/]+(/[^[:space:]]*)?$ ]] || die "--public-url must be an http(s):// URL"
[[ -z "$public_mqtts" || "$public_mqtts" =~ ^(mqtts|wss)://[^[:space:]]+$ ]] || die "--public-mqtts must be an mqtts:// or wss:// URL"
[ -n "$cert" ] && [ -z "$key" ] && die "--tls-cert needs --tls-key"
[ -z "$cert" ] && [ -n "$key" ] && die "--tls-key needs --tls-cert"
[ -n "$cert" ] && [ -n "$self_signed" ] && die "give --tls-cert/--tls-key or --self-signed, not both"
[ -f "$source_dir/package.json" ] && [ -f "$source_dir/bin/drukte.js" ] && [ -f "$source_dir/package-lock.json" ] || die "$source_dir is not a drukte checkout (package.json, package-lock.json, bin/drukte.js)"
unit_src="$here/drukte-gateway.service"
[ -f "$unit_src" ] || die "drukte-gateway.service not found next to this script"

node_bin=$(command -v node) || die "Node.js is not installed (needs ≥ 20): see hardware/pi/README.md"
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js $node_major is too old; drukte needs ≥ 20"
[ "$dry" = yes ] || command -v npm >/dev/null || die "npm is not installed: sudo apt-get install -y npm (or Node.js from NodeSource)"
command -v openssl >/dev/null || die "openssl is not installed: sudo apt-get install -y openssl"

etc=$root/etc/drukte
opt=$root/opt/drukte
units=$root/etc/systemd/system

# 1. The system user (shared with sensors on the same machine).
if [ "$dry" = no ] && ! id drukte >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/drukte --no-create-home --shell /usr/sbin/nologin drukte
  say "created system user drukte"
fi
group=drukte
[ "$dry" = yes ] && group=$(id -gn)

# 2. The code: a copy of the checkout, its production dependencies, then swapped in (a failed copy or npm ci never
#    leaves a half-installed gateway).
mkdir -p "$opt"
staging=$(mktemp -d "$opt/.gateway.new.XXXXXX")
trap 'rm -rf "$staging"' EXIT
tar -C "$source_dir" --exclude=./.git --exclude=./node_modules --exclude=./dist --exclude='./drukte-data' -cf - . | tar -C "$staging" -xf -
if [ "$dry" = no ]; then
  (cd "$staging" && npm ci --omit=dev --no-audit --no-fund) || die "npm ci --omit=dev failed in $staging (network? build tools for better-sqlite3: sudo apt-get install -y build-essential python3)"
  chown -R root:root "$staging"
fi
chmod -R u=rwX,go=rX "$staging"
if [ -d "$opt/gateway" ]; then
  rm -rf "$opt/.gateway.old"
  mv "$opt/gateway" "$opt/.gateway.old"
fi
mv "$staging" "$opt/gateway"
rm -rf "$opt/.gateway.old"
trap - EXIT
say "gateway code in $opt/gateway ($(cd "$opt/gateway" && "$node_bin" -p 'require("./package.json").version'))"

# 3. The admin token: made once, kept across re-installs.
mkdir -p "$etc/tls"
chmod 0755 "$etc"
if [ ! -s "$etc/admin-token" ]; then
  (umask 077; openssl rand -hex 32 > "$etc/admin-token")
  say "admin token made: $etc/admin-token (root only; provision with --admin-token-file pointing at a copy of it)"
else
  say "admin token kept: $etc/admin-token"
fi
chmod 0600 "$etc/admin-token"

# 4. TLS: given, self-signed, or kept from an earlier run.
if [ -n "$cert" ]; then
  openssl x509 -in "$cert" -noout >/dev/null 2>&1 || die "$cert is not a PEM certificate"
  openssl pkey -in "$key" -noout >/dev/null 2>&1 || die "$key is not a PEM private key"
  install -m 0644 "$cert" "$etc/tls/cert.pem"
  install -m 0640 "$key" "$etc/tls/key.pem"
  say "TLS certificate installed from $cert"
elif [ -n "$self_signed" ]; then
  [[ "$self_signed" =~ ^[A-Za-z0-9.-]+$ ]] || die "--self-signed needs a host name (letters, digits, dots, dashes)"
  san="DNS:$self_signed"
  [[ "$self_signed" =~ ^[0-9.]+$ ]] && san="IP:$self_signed"
  (umask 027; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=$self_signed" \
    -addext "subjectAltName=$san" -keyout "$etc/tls/key.pem" -out "$etc/tls/cert.pem" 2>/dev/null) || die "openssl could not make a certificate"
  chmod 0644 "$etc/tls/cert.pem"
  say "self-signed certificate for $self_signed in $etc/tls/cert.pem (give it to sensors and browsers, or replace it)"
elif [ -s "$etc/tls/cert.pem" ] && [ -s "$etc/tls/key.pem" ]; then
  say "TLS certificate kept: $etc/tls/cert.pem"
else
  die "no TLS certificate: give --tls-cert FILE --tls-key FILE, or --self-signed HOSTNAME"
fi
chown root:"$group" "$etc/tls" "$etc/tls/key.pem" 2>/dev/null || [ "$dry" = yes ]
chmod 0750 "$etc/tls"
chmod 0640 "$etc/tls/key.pem"

# 5. The unit, and a drop-in with the public URLs.
mkdir -p "$units/drukte-gateway.service.d"
install -m 0644 "$unit_src" "$units/drukte-gateway.service"
if [ -z "$public_mqtts" ] && [ -n "$public_url" ]; then
  host=$(echo "$public_url" | sed -E 's#^https?://([^/:]+|\[[^]]+\]).*#\1#')
  public_mqtts="mqtts://$host:8883"
fi
{
  echo "# Written by install-gateway.sh; re-run it to change. Where people and sensors reach this gateway."
  echo "[Service]"
  [ -n "$public_url" ] && echo "Environment=DRUKTE_PUBLIC_URL=$public_url"
  [ -n "$public_mqtts" ] && echo "Environment=DRUKTE_PUBLIC_MQTTS=$public_mqtts"
  true
} > "$units/drukte-gateway.service.d/public.conf"
chmod 0644 "$units/drukte-gateway.service.d/public.conf"
say "unit $units/drukte-gateway.service (public URL: ${public_url:-as the listeners say})"

if [ "$dry" = yes ]; then
  say "dry run into $root: no user, no npm ci, no systemctl"
  exit 0
fi
systemctl daemon-reload
systemctl enable drukte-gateway.service >/dev/null
say "drukte-gateway enabled (data in /var/lib/drukte/gateway)"
if [ "$start" = yes ]; then
  systemctl restart drukte-gateway.service
  say "drukte-gateway (re)started; follow it with: journalctl -fu drukte-gateway"
else
  echo "  not started (--no-start): sudo systemctl start drukte-gateway"
fi
