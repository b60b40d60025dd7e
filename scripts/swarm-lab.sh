#!/usr/bin/env bash
# A real multi-node Docker Swarm on one machine, for tests, `make demo-swarm`
# and bench/swarm: one dockerd per network namespace (each with its own data
# root, exec root, socket, pid file and cgroup parent), the nodes' veths joined
# by a bridge kept in a namespace of its own (the host's FORWARD policy would
# drop bridged frames), one veth to the host so host processes reach the
# nodes' addresses. Node 1 is the manager, the others join as workers.
# The main engine on /var/run/docker.sock is never used.
#
#   swarm-lab.sh up NAME [NODES]     bring up NODES (default 3) nodes; prints the lab file (shell variables)
#   swarm-lab.sh down NAME           tear everything down; idempotent; exits 1 if anything is left
#   swarm-lab.sh leftovers NAME      print what of NAME is still on the machine; exits 1 if anything is
#   swarm-lab.sh stop-node NAME I    stop node I's dockerd and every process in its namespace
#   swarm-lab.sh start-node NAME I   start node I's dockerd again (it rejoins with its state)
#   swarm-lab.sh images NAME TAG     the whoami image on every node, pier's image (TAG) on node 1
#   swarm-lab.sh reap                tear down labs whose owner process is gone
#
# NAME: 1-8 letters/digits (interface names are NAME-n1, at most 15 bytes).
# PIER_SWARM_OWNER: the pid whose exit makes the lab reapable (default: the caller's parent).
# The kernel here has no IPVS: service VIPs and the ingress mesh do not work;
# use --endpoint-mode dnsrr and --publish mode=host. Node data lives on a tmpfs (a few hundred MB of RAM).
set -euo pipefail

ROOT=${PIER_SWARM_ROOT:-/var/lib/pier-swarm}
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "swarm-lab: $*" >&2; exit 1; }
check_name() { [[ ${1:-} =~ ^[a-z0-9]{1,8}$ ]] || die "NAME must be 1-8 lower-case letters or digits, got '${1:-}'"; }
lab_file() { echo "$ROOT/$1/lab.env"; }

# Processes whose network namespace is the named one (by the namespace's inode; one stat for all).
netns_pids() {
  local ino
  ino=$(stat -Lc %i "/run/netns/$1" 2>/dev/null) || return 0
  stat -Lc '%i %n' /proc/[0-9]*/ns/net 2>/dev/null | awk -v ino="$ino" '$1 == ino {split($2, p, "/"); print p[3]}'
  return 0
}

# Mount points at or under a directory, in this (the host's) mount namespace.
mounts_under() {
  awk -v d="$1" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo
}

# TERM, wait up to $2 seconds (default 10), then KILL: the given pids only.
stop_pids() {
  local pids=$1 wait=${2:-10} i=0
  [ -n "$pids" ] || return 0
  kill -TERM $pids 2>/dev/null || true
  while [ $i -lt $((wait * 10)) ]; do
    local alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -n "$alive" ] || return 0
    sleep 0.1; i=$((i + 1))
  done
  kill -KILL $pids 2>/dev/null || true
}

# The dockerd pids recorded under a directory, only while they are still those
# dockerds (a pid of one that died may have been given to another process).
dockerd_pids() {
  for f in "$1"/dockerd.pid "$1"/n*/dockerd.pid; do
    [ -f "$f" ] || continue
    local pid
    pid=$(cat "$f")
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "$(dirname "$f")/" && echo "$pid"
  done
  return 0
}

stop_node() {
  local name=$1 i=$2 dir=$ROOT/$1/n$2
  stop_pids "$(dockerd_pids "$dir")" 15
  # containerd, shims, docker-proxy: whatever still runs in the node's namespace
  stop_pids "$(netns_pids "$name-n$i")" 5
  rm -f "$dir/dockerd.pid"
}

# Starts node I's dockerd in its namespace. nsenter + unshare, not `ip netns
# exec` (which remounts /sys and loses the host's cgroup mounts); a private
# mount namespace keeps dockerd's mounts out of the host's and lets them go
# with its processes. The node's own /run makes /var/run/docker.sock its
# socket, as on a real node (a stack mounting it reaches this node, never the
# host's engine); the host reaches it at $dir/run/docker.sock.
start_dockerd() {
  local ns=$1-n$2 dir=$ROOT/$1/n$2
  nsenter --net="/run/netns/$ns" unshare --mount --uts --propagation private \
    sh -c 'hostname "$1"; mount --bind "$2" /run; shift 2; exec "$@"' sh "$ns" "$dir/run" \
    env DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 dockerd \
      --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" \
      -H unix:///run/docker.sock --pidfile "$dir/docker.pid" --cgroup-parent "/$ns" \
      --log-level warn >>"$dir/dockerd.log" 2>&1 </dev/null &
  echo $! >"$dir/dockerd.pid"
}

wait_dockerd() {
  local dir=$ROOT/$1/n$2 n=0
  until docker -H "unix://$dir/run/docker.sock" version >/dev/null 2>&1; do
    n=$((n + 1))
    kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null || { tail -n 20 "$dir/dockerd.log" >&2; die "dockerd of node $2 exited"; }
    [ $n -le 300 ] || { tail -n 20 "$dir/dockerd.log" >&2; die "dockerd of node $2 did not answer within 30 s"; }
    sleep 0.1
  done
}

cmd_up() {
  local name=$1 nodes=${2:-3}
  check_name "$name"
  [[ $nodes =~ ^[1-9]$ ]] || die "NODES must be 1-9"
  command -v ip >/dev/null && command -v nsenter >/dev/null && command -v unshare >/dev/null || die "needs ip (iproute2), nsenter and unshare (util-linux)"
  command -v dockerd >/dev/null || die "needs dockerd (apt-get install docker.io)"
  [ ! -e "$ROOT/$name" ] || die "lab $name exists ($ROOT/$name); swarm-lab.sh down $name first"
  mkdir -p "$ROOT"
  cmd_reap
  local start owner=${PIER_SWARM_OWNER:-$PPID} net
  start=$(date +%s%N)
  # One /24 per lab, not routed anywhere on this host yet, picked under a lock.
  exec 9>"$ROOT/.lock"
  flock 9
  for o in $(seq 200 254); do
    ip -4 route | grep -q "^192\.168\.$o\." && continue
    grep -qs "^SUBNET=192.168.$o$" "$ROOT"/*/lab.env && continue
    net=192.168.$o; break
  done
  [ -n "${net:-}" ] || die "no free 192.168.200-254.0/24 for the lab"
  mkdir -p "$ROOT/$name"
  # Every node's data on one tmpfs: images load faster, and tear-down is an
  # unmount instead of deleting thousands of image files from disk (~16 s here).
  mount -t tmpfs -o size=4g,mode=0755 "pier-swarm-$name" "$ROOT/$name"
  local file
  file=$(lab_file "$name")
  { echo "LAB=$name"; echo "NODES=$nodes"; echo "SUBNET=$net"; echo "OWNER=$owner"; echo "HOST_IP=$net.1"; } >"$file"
  flock -u 9
  # A failed bring-up takes down what it made.
  trap 'echo "swarm-lab: bring-up of $name failed; tearing down" >&2; cmd_down "$name" >&2 || true' EXIT

  ip netns add "$name-br"
  ip -n "$name-br" link set lo up
  ip -n "$name-br" link add br0 type bridge
  ip -n "$name-br" link set br0 up
  ip link add "$name-h" type veth peer name "$name-bh"
  ip link set "$name-bh" netns "$name-br"
  ip -n "$name-br" link set "$name-bh" master br0 up
  ip addr add "$net.1/24" dev "$name-h"
  ip link set "$name-h" up

  for i in $(seq 1 "$nodes"); do
    local ns=$name-n$i dir=$ROOT/$name/n$i ipaddr=$net.$((10 + i))
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "$ns" type veth peer name "$name-b$i"
    ip link set "$ns" netns "$ns"
    ip -n "$ns" link set "$ns" name eth0
    ip -n "$ns" addr add "$ipaddr/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip link set "$name-b$i" netns "$name-br"
    ip -n "$name-br" link set "$name-b$i" master br0 up
    mkdir -p "$dir/run"
    echo '{}' >"$dir/daemon.json"
    start_dockerd "$name" "$i"
    { echo "NODE${i}_IP=$ipaddr"; echo "NODE${i}_SOCK=$dir/run/docker.sock"; } >>"$file"
  done

  for i in $(seq 1 "$nodes"); do wait_dockerd "$name" "$i"; done

  local d1="docker -H unix://$ROOT/$name/n1/run/docker.sock" token
  # A 1 s heartbeat: a stopped node is marked down after about 3 s instead of 15 s.
  $d1 swarm init --advertise-addr "$net.11" --listen-addr "$net.11:2377" --dispatcher-heartbeat 1s >/dev/null
  token=$($d1 swarm join-token -q worker)
  for i in $(seq 2 "$nodes"); do
    docker -H "unix://$ROOT/$name/n$i/run/docker.sock" swarm join --advertise-addr "$net.$((10 + i))" --token "$token" "$net.11:2377" >/dev/null
  done
  trap - EXIT
  echo "swarm-lab: $name up: $nodes nodes on $net.0/24 in $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2
  echo "$file"
}

cmd_stop_node() {
  check_name "$1"
  [ -f "$(lab_file "$1")" ] || die "no lab $1"
  stop_node "$1" "$2"
}

cmd_start_node() {
  check_name "$1"
  [ -f "$(lab_file "$1")" ] || die "no lab $1"
  [ -z "$(dockerd_pids "$ROOT/$1/n$2")" ] || die "node $2's dockerd runs"
  start_dockerd "$1" "$2"
  wait_dockerd "$1" "$2"
}

cmd_images() {
  local name=$1 tag=$2 file
  check_name "$name"
  file=$(lab_file "$name")
  [ -f "$file" ] || die "no lab $name"
  # shellcheck disable=SC1090
  . "$file"
  local n1=unix://$NODE1_SOCK
  DOCKER_HOST=$n1 PIER_WHOAMI_IMAGE=pier-whoami:test sh "$here/whoami-image.sh"
  for i in $(seq 2 "$NODES"); do
    # Imported once and copied: an import on each node would give each a different ID.
    local sock
    sock=$(eval echo "\$NODE${i}_SOCK")
    docker -H "$n1" save pier-whoami:test | docker -H "unix://$sock" load >/dev/null
  done
  DOCKER_HOST=$n1 PIER_IMAGE_NO_BUILD=${PIER_IMAGE_NO_BUILD:-1} "$here/image-build.sh" "$(dpkg --print-architecture)" "$tag"
}

cmd_leftovers() {
  local name=$1 found=0
  check_name "$name"
  local dir=$ROOT/$name
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$name-(br|n[0-9])$" || true); do
    echo "namespace $ns"; found=1
    for p in $(netns_pids "$ns"); do echo "process $p in $ns: $(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline")"; done
  done
  for f in $(grep -ls "$dir/" /proc/[0-9]*/cmdline || true); do
    echo "process $(basename "$(dirname "$f")"): $(tr '\0' ' ' 2>/dev/null <"$f")"; found=1
  done
  for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^$name-" || true); do echo "link $l"; found=1; done
  for m in $(mounts_under "$dir"); do echo "mount $m"; found=1; done
  for c in $(find /sys/fs/cgroup -maxdepth 3 -type d -name "$name-n*" 2>/dev/null); do echo "cgroup $c"; found=1; done
  [ ! -e "$dir" ] || { echo "directory $dir"; found=1; }
  return $found
}

cmd_down() {
  local name=$1
  check_name "$name"
  local dir=$ROOT/$name
  # Every node's dockerd at once: each stops its containers first.
  stop_pids "$(dockerd_pids "$dir")" 15
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$name-(br|n[0-9])$" || true); do
    stop_pids "$(netns_pids "$ns")" 5
  done
  # Container cgroups first, then the parents.
  find /sys/fs/cgroup -maxdepth 3 -type d -name "$name-n*" 2>/dev/null | while read -r c; do
    find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$name-(br|n[0-9])$" || true); do ip netns del "$ns"; done
  ip link del "$name-h" 2>/dev/null || true
  mounts_under "$dir" | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf "$dir"
  if out=$(cmd_leftovers "$name"); then echo "swarm-lab: $name down" >&2; else echo "swarm-lab: $name left behind:" >&2; echo "$out" >&2; return 1; fi
}

# Labs whose owner is gone (a test killed before its teardown ran).
cmd_reap() {
  for f in "$ROOT"/*/lab.env; do
    [ -f "$f" ] || continue
    local owner name
    owner=$(sed -n 's/^OWNER=//p' "$f")
    name=$(sed -n 's/^LAB=//p' "$f")
    if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
      echo "swarm-lab: reaping $name (owner $owner is gone)" >&2
      cmd_down "$name" >&2 || true
    fi
  done
}

case ${1:-} in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  leftovers) shift; cmd_leftovers "$@" ;;
  stop-node) shift; cmd_stop_node "$@" ;;
  start-node) shift; cmd_start_node "$@" ;;
  images) shift; cmd_images "$@" ;;
  reap) cmd_reap ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
