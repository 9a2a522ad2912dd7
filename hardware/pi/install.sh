#!/usr/bin/env bash
# Install (or re-install) a provisioned drukte sensor bundle on a Raspberry Pi and run it under systemd.
# Idempotent: running it again with the same or a new bundle of the same sensor leaves one clean installation.
#
#   sudo ./install.sh BUNDLE_DIR [--device /dev/serial0] [--broker URL] [--no-start]
#
#   BUNDLE_DIR  the directory `drukte provision --out` made, copied to this Pi (scp -r / rsync -a)
#   --device    the radar's serial port (default /dev/serial0; TI board over USB: /dev/ttyUSB1 or /dev/ttyACM1)
#   --broker    the gateway's broker, only when it moved after provisioning (default: the URL compiled in)
#   --no-start  install and enable, but do not start (e.g. to run `drukte doctor` first)
#
# What it does: create the system user `drukte` (groups dialout, gpio), copy the bundle to /opt/drukte/<id>
# (root-owned, read-only; credentials.json readable by drukte only), install drukte-sensor@.service with a drop-in
# for the device, enable it and (re)start it. The data directory /var/lib/drukte/<id> (sequence numbers, queue, time
# high-water mark, tombstone) is created by systemd and kept across re-installs: an expired sensor stays expired.
set -euo pipefail

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "✓ $*"; }

[ $# -ge 1 ] || die "usage: sudo $0 BUNDLE_DIR [--device PATH] [--broker URL] [--no-start]"
bundle=$(cd "$1" && pwd) || die "no such directory: $1"
shift
device=/dev/serial0
broker=
start=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --device) [ $# -ge 2 ] || die "--device needs a path"; device=$2; shift 2 ;;
    --broker) [ $# -ge 2 ] || die "--broker needs a URL"; [[ "$2" =~ ^(mqtts?|wss?)://[^[:space:]]+$ ]] || die "--broker must be an mqtt(s):// or ws(s):// URL"; broker=$2; shift 2 ;;
    --no-start) start=no; shift ;;
    *) die "unknown option: $1" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || die "run as root (sudo)"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
unit_src="$here/drukte-sensor@.service"
[ -f "$unit_src" ] || unit_src="$bundle/install/drukte-sensor@.service"
[ -f "$unit_src" ] || die "drukte-sensor@.service not found next to this script or in the bundle"

node_bin=$(command -v node) || die "Node.js is not installed (needs ≥ 20): see hardware/pi/README.md"
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js $node_major is too old; drukte needs ≥ 20"

[ -f "$bundle/bundle.json" ] && [ -f "$bundle/bin/drukte.js" ] || die "$bundle is not a drukte sensor bundle (no bundle.json / bin/drukte.js)"
[ -f "$bundle/credentials.json" ] || die "$bundle has no credentials.json: copy the whole bundle directory"
id=$("$node_bin" -e 'const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write(String(b.sensor))' "$bundle/bundle.json")
[[ "$id" =~ ^[a-z0-9][a-z0-9-]{2,62}$ ]] || die "bundle.json names no valid sensor id"

# 1. The system user, in the groups that may use the UART and GPIO (where those groups exist).
if ! id drukte >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/drukte --no-create-home --shell /usr/sbin/nologin drukte
  say "created system user drukte"
fi
for g in dialout gpio; do
  if getent group "$g" >/dev/null && ! id -nG drukte | tr ' ' '\n' | grep -qx "$g"; then usermod -a -G "$g" drukte; fi
done
say "user drukte (groups: $(id -nG drukte))"

# 2. The bundle: copy beside the old one, then swap, so a failed copy never leaves a half-installed sensor.
target=/opt/drukte/$id
mkdir -p /opt/drukte
staging=$(mktemp -d "/opt/drukte/.$id.new.XXXXXX")
trap 'rm -rf "$staging"' EXIT
cp -a "$bundle/." "$staging/"
# Native addons without a prebuild for this machine (bundle.json "deviceBuild", e.g. epoll for the beam counter's
# GPIO) travel as sources: compile them here. Not covered by the bundle hash; drukte doctor checks their machine.
rebuild=$("$node_bin" -e 'const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write((b.deviceBuild || []).map((p) => p.split("node_modules/").pop()).join(" "))' "$bundle/bundle.json")
if [ -n "$rebuild" ]; then
  command -v npm >/dev/null || die "npm is needed to compile $rebuild on this device: sudo apt-get install -y npm"
  for tool in make g++ python3; do
    command -v "$tool" >/dev/null || die "$tool is needed to compile $rebuild on this device: sudo apt-get install -y build-essential python3"
  done
  # shellcheck disable=SC2086 # one word per package
  (cd "$staging" && npm rebuild $rebuild --no-audit --no-fund >/dev/null) || die "compiling $rebuild failed (npm rebuild in $staging); see the output above"
  say "compiled native code on this device: $rebuild"
fi
chown -R root:root "$staging"
chmod -R u=rwX,go=rX "$staging"
chown drukte:drukte "$staging/credentials.json"
chmod 0400 "$staging/credentials.json"
chmod 0755 "$staging"
if [ -d "$target" ]; then
  rm -rf "/opt/drukte/.$id.old"
  mv "$target" "/opt/drukte/.$id.old"
fi
mv "$staging" "$target"
rm -rf "/opt/drukte/.$id.old"
trap - EXIT
say "bundle of $id installed in $target ($(grep -o '"bundle": *"[0-9a-f]\{12\}' "$target/bundle.json" | grep -o '[0-9a-f]\{12\}$')…)"

# 3. The unit, and a drop-in with this device and this Node.js.
install -m 0644 "$unit_src" /etc/systemd/system/drukte-sensor@.service
dropin=/etc/systemd/system/drukte-sensor@$id.service.d
mkdir -p "$dropin"
cat >"$dropin/device.conf" <<EOF
# Written by install.sh; re-run it to change. Only where the radar is plugged in: identity and expiry are compiled in.
[Service]
ExecStart=
ExecStart=$node_bin $target/bin/drukte.js sensor --data-dir /var/lib/drukte/$id --device $device${broker:+ --broker $broker}
EOF
systemctl daemon-reload
systemctl enable "drukte-sensor@$id.service" >/dev/null
say "drukte-sensor@$id enabled (device $device)"

if [ "$start" = yes ]; then
  systemctl restart "drukte-sensor@$id.service"
  say "drukte-sensor@$id (re)started; follow it with: journalctl -fu drukte-sensor@$id"
else
  echo "  not started (--no-start). Check the installation first:"
  echo "    sudo -u drukte $node_bin $target/bin/drukte.js doctor --device $device"
  echo "  then: sudo systemctl start drukte-sensor@$id"
fi
