#!/usr/bin/env bash
# The provisioning baseline: the same SSH commands Flotilla's worker runs, typed by hand in a
# parallel shell script. Usage: provision-by-hand.sh KEY MANAGER_IP WORKER_IP...
set -euo pipefail
key=$1 manager=$2
shift 2
ssh_() {
  ssh -i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
    -o ConnectTimeout=10 -o LogLevel=ERROR "root@$1" "$2"
}
# Each phase's end on stdout (epoch seconds), for bench/provisioning.ts's timeline.
phase() { echo "$1 $(date +%s.%N)"; }
token=$(ssh_ "$manager" "docker info >/dev/null && docker swarm init --advertise-addr $manager >/dev/null && docker swarm join-token -q worker")
phase swarm.init
for worker in "$@"; do
  ssh_ "$worker" "docker info >/dev/null && docker swarm join --token $token --advertise-addr $worker $manager:2377 >/dev/null" &
done
wait
phase swarm.join
want=$(($# + 1))
until [ "$(ssh_ "$manager" "docker node ls --format '{{.Status}}' | grep -c Ready")" -eq "$want" ]; do
  sleep 0.2
done
phase ready
