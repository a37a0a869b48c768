#!/usr/bin/env bash
# Goal: the Debian package built from this build tree is what docs/packaging.md says: every program,
# the unit, the configuration as a conffile, the profiles and docs; lintian finds no error and no
# warning that packaging/lintian-overrides does not justify; the unit passes systemd-analyze verify
# without a single warning; and the maintainer scripts create and purge the timecoin user and
# /var/lib/timecoin, idempotently, on a machine without systemd as init.
# Method: cpack -G DEB into a scratch folder (argument 1: the bin directory, whose parent is the
# build tree); dpkg-deb -c/-e/-x; lintian; systemd-analyze verify --root on the extracted package
# with this machine's targets and slices; dpkg -i / -r / --purge inside a chroot on an overlay of
# this machine's root (a private mount namespace), so that the machine itself is not changed.
# Scenarios: contents; control fields (Depends from dpkg-shlibdeps, adduser); conffiles; script
# modes; lintian; verify, and verify flagging a unit with an unknown key (its exit status stays 0,
# so only the empty output proves a clean unit); install, reinstall, remove, purge.
# Exits 77 (skipped) only when a tool is missing; CI installs them (scripts/setup.sh).
set -euo pipefail

bin_dir=${1:?usage: deb_package_test.sh BIN_DIR}
build_dir=$(cd "$bin_dir/.." && pwd)
for tool in cpack dpkg-deb dpkg-shlibdeps lintian systemd-analyze; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not found (scripts/setup.sh installs it)"
    exit 77
  fi
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
expect_eq() {  # expect_eq WHAT ACTUAL EXPECTED
  [[ "$2" == "$3" ]] || fail "$1: got '$2', expected '$3'"
}
expect_contains() {  # expect_contains WHAT TEXT NEEDLE
  [[ "$2" == *"$3"* ]] || fail "$1: '$3' not in: $2"
}

cpack -G DEB --config "$build_dir/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log" 2>&1 ||
  { cat "$scratch/cpack.log" >&2; echo "FAIL: cpack" >&2; exit 1; }
debs=("$scratch"/out/timecoin_*.deb)
expect_eq "packages built" "${#debs[@]}" 1
deb=${debs[0]}

# Contents.
contents=$(dpkg-deb -c "$deb" | awk '{print $1 " " $6}')$'\n'
programs=(timecoind time-cli timecoin-wallet timecoin-devnet timecoin-verify timecoin-hwcheck
  timecoin-loadgen)
for program in "${programs[@]}"; do
  expect_contains "program $program" "$contents" "-rwxr-xr-x ./usr/bin/$program"$'\n'
done
for file in ./lib/systemd/system/timecoind.service ./etc/timecoin/timecoind.toml \
  ./usr/share/timecoin/profiles/dev-cpu.json ./usr/share/timecoin/profiles/e810.json \
  ./usr/share/timecoin/profiles/h100-cx7.json ./usr/share/timecoin/profile.schema.json \
  ./usr/share/doc/timecoin/copyright ./usr/share/doc/timecoin/changelog.gz \
  ./usr/share/doc/timecoin/packaging.md ./usr/share/doc/timecoin/examples/mainnet.toml \
  ./usr/share/lintian/overrides/timecoin; do
  expect_contains "file $file" "$contents" "-rw-r--r-- $file"$'\n'
done
expect_eq "nothing under /var (postinst creates the state directory)" \
  "$(grep -c ' \./var/' <<<"$contents" || true)" 0

# Control fields and scripts.
dpkg-deb -e "$deb" "$scratch/control"
expect_eq "conffiles" "$(cat "$scratch/control/conffiles")" "/etc/timecoin/timecoind.toml"
depends=$(dpkg-deb -f "$deb" Depends)
expect_contains "Depends" "$depends" "adduser"
expect_contains "Depends (from dpkg-shlibdeps)" "$depends" "libc6 (>="
expect_contains "Depends (from dpkg-shlibdeps)" "$depends" "librocksdb"
for script in postinst prerm postrm; do
  expect_eq "mode of $script" "$(stat -c %a "$scratch/control/$script")" 755
done

# lintian: nothing at error or warning level once the justified overrides apply.
lintian --fail-on none "$deb" >"$scratch/lintian.txt" 2>&1 || fail "lintian did not run: $(cat "$scratch/lintian.txt")"
expect_eq "lintian errors and warnings" "$(grep -E '^(E|W): ' "$scratch/lintian.txt" || true)" ""

# systemd-analyze verify on the extracted package, with this machine's targets and slices (the
# unit's dependencies). Its exit status stays 0 on an unknown key, so the output must be empty.
root="$scratch/root"
dpkg-deb -x "$deb" "$root"
cp -r /lib/systemd/system/*.target /lib/systemd/system/*.slice "$root/lib/systemd/system/"
verify() {  # verify: systemd-analyze's findings on the unit in $root, one per line
  systemd-analyze verify --root="$root" /lib/systemd/system/timecoind.service 2>&1 || true
}
expect_eq "systemd-analyze verify" "$(verify)" ""
unit="$root/lib/systemd/system/timecoind.service"
cp "$unit" "$scratch/timecoind.service"
sed -i 's/^\[Service\]$/[Service]\nProtectSystems=strict/' "$unit"
expect_contains "verify on a unit with a misspelt key" "$(verify)" \
  "Unknown key 'ProtectSystems' in section [Service]"
cp "$scratch/timecoind.service" "$unit"
score=$(systemd-analyze security --offline=yes --root="$root" /lib/systemd/system/timecoind.service 2>&1 |
  sed -n 's/^→ Overall exposure level for timecoind.service: \([0-9.]*\) .*/\1/p')
echo "systemd-analyze security: exposure $score (docs/packaging.md records it)"

# The maintainer scripts, for real: dpkg inside a chroot on an overlay of this machine's root, in a
# private mount namespace (needs root; this machine has the package's dependencies, having built
# it). No systemd runs there, as in a container or the Ansible test's Debian root.
if [[ $(id -u) -ne 0 ]] || ! unshare --mount true 2>/dev/null; then
  echo "note: no private mount namespace here (not root, or a container without CAP_SYS_ADMIN):"
  echo "note: the install, remove and purge checks did not run"
else
  mkdir -p "$scratch/upper" "$scratch/work" "$scratch/merged"
  cp "$deb" "$scratch/upper/timecoin.deb"
  cat >"$scratch/upper/dpkg_check.sh" <<'EOF'
set -u
state() {  # the user, and the state directory's owner, group and mode, on one line
  echo "user=$(getent passwd timecoin | cut -d: -f1,6,7) dir=$(stat -c '%U:%G:%a' /var/lib/timecoin 2>&1)"
}
dpkg -i /timecoin.deb >/dev/null 2>&1 || echo "dpkg -i failed"
echo "installed: $(state)"
uid=$(id -u timecoin)
dpkg -i /timecoin.deb >/dev/null 2>&1 || echo "second dpkg -i failed"
echo "reinstalled: $(state) same uid: $([ "$(id -u timecoin)" = "$uid" ] && echo yes)"
echo "conffiles: $(dpkg-query -W -f='${Conffiles}' timecoin | awk 'NF {print $1}')"
dpkg -r timecoin >/dev/null 2>&1 || echo "dpkg -r failed"
echo "removed: $(state)"
dpkg --purge timecoin >/dev/null 2>&1 || echo "dpkg --purge failed"
echo "purged: user=$(getent passwd timecoin) group=$(getent group timecoin) dir=$(ls -d /var/lib/timecoin 2>&1 | grep -c 'No such')"
EOF
  unshare --mount sh -c "mount -t overlay overlay \
    -o lowerdir=/,upperdir='$scratch/upper',workdir='$scratch/work' '$scratch/merged' &&
    chroot '$scratch/merged' sh /dpkg_check.sh" >"$scratch/dpkg.txt" 2>&1 ||
    fail "the overlay chroot did not run: $(cat "$scratch/dpkg.txt")"
  dpkg_report=$(cat "$scratch/dpkg.txt")
  expected_state="user=timecoin:/var/lib/timecoin:/usr/sbin/nologin dir=timecoin:timecoin:750"
  expect_contains "after dpkg -i" "$dpkg_report" "installed: $expected_state"$'\n'
  expect_contains "after a second dpkg -i" "$dpkg_report" "reinstalled: $expected_state same uid: yes"
  expect_contains "conffiles registered" "$dpkg_report" "conffiles: /etc/timecoin/timecoind.toml"
  expect_contains "after dpkg -r (user and data kept)" "$dpkg_report" "removed: $expected_state"
  expect_contains "after dpkg --purge" "$dpkg_report" "purged: user= group= dir=1"
fi

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "deb_package_test: all checks passed"
