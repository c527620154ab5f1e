#!/usr/bin/env bash
# The provisioning baseline: the same SSH commands Flotilla's worker runs, typed by hand in a
# parallel shell script. Usage: provision-by-hand.sh KEY MANAGER_IP OTHER_IP...
#   MANAGERS=N  the first N addresses are managers (default 1): the first forms the swarm, the
#               others join with the manager token before any worker
#   JOINS=N     joins in flight at once (default 10, as hetzner-k3s caps its installs; Flotilla
#               paces its joins through a manager up to the same number)
set -euo pipefail
key=$1 manager=$2
shift 2
managers=${MANAGERS:-1}
joins=${JOINS:-10}
ssh_() {
  ssh -i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
    -o ConnectTimeout=10 -o LogLevel=ERROR "root@$1" "$2"
}
# Each phase's end on stdout (epoch seconds), for bench/provisioning.ts's timeline.
phase() { echo "$1 $(date +%s.%N)"; }
tokens=$(ssh_ "$manager" "docker info >/dev/null && docker swarm init --advertise-addr $manager >/dev/null && docker swarm join-token -q worker && docker swarm join-token -q manager")
worker_token=$(echo "$tokens" | sed -n 1p)
manager_token=$(echo "$tokens" | sed -n 2p)
phase swarm.init
join() {
  ssh_ "$1" "docker info >/dev/null && docker swarm join --token $2 --advertise-addr $1 $manager:2377 >/dev/null"
}
# At most $joins joins in flight; managers first (they are the first addresses).
running=0
n=1
for node in "$@"; do
  n=$((n + 1))
  if [ "$n" -le "$managers" ]; then token=$manager_token; else token=$worker_token; fi
  join "$node" "$token" &
  running=$((running + 1))
  if [ "$running" -ge "$joins" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait
phase swarm.join
want=$(($# + 1))
deadline=$((SECONDS + 600))
until [ "$(ssh_ "$manager" "docker node ls --format '{{.Status}}' | grep -c Ready")" -eq "$want" ]; do
  if [ "$SECONDS" -ge "$deadline" ]; then echo "not all $want nodes Ready after 600 s" >&2; exit 1; fi
  sleep 0.2
done
phase ready
