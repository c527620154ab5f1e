#!/bin/sh
# Entrypoint of the testbed's Redis 7 image (busybox sh): writes a config with the password from a
# Docker secret file (REDIS_PASSWORD_FILE, preferred) or REDIS_PASSWORD and append-only
# persistence in /data, then runs redis-server as the `redis` user. A /data/restore.rdb left by a
# restore is loaded first and becomes the new append-only file.
set -eu

fail() {
  echo "redis-entrypoint: $*" >&2
  exit 1
}

if [ "$(id -u)" != 0 ]; then
  fail 'run as root: the entrypoint prepares /data, then runs redis-server as redis'
fi

if [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
  [ -r "$REDIS_PASSWORD_FILE" ] || fail "REDIS_PASSWORD_FILE $REDIS_PASSWORD_FILE is not readable"
  password=$(cat "$REDIS_PASSWORD_FILE")
else
  password=${REDIS_PASSWORD:-}
fi
[ -n "$password" ] || fail 'no password: set REDIS_PASSWORD_FILE (a secret) or REDIS_PASSWORD'
case $password in
  *'
'*) fail 'the password holds a line break' ;;
esac

mkdir -p /data /etc/redis
chown redis:redis /data

# In the config, readable by redis only, rather than on the command line for `ps` to show.
escaped=$(printf '%s' "$password" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
umask 077
cat >/etc/redis/redis.conf <<EOF
bind * -::*
protected-mode no
port 6379
dir /data
appendonly yes
appendfsync everysec
requirepass "$escaped"
EOF
unset escaped
chown redis:redis /etc/redis/redis.conf

if [ -f /data/restore.rdb ]; then
  # With appendonly on, redis-server ignores dump.rdb and starts empty: load the snapshot with
  # appendonly off (on a socket only, no client can write meanwhile), then turn it on, which
  # rewrites the append-only file from the loaded data. The marker goes only once that is done,
  # so a container killed half-way starts the whole load again.
  echo 'redis-entrypoint: loading /data/restore.rdb'
  rm -rf /data/appendonlydir
  cp /data/restore.rdb /data/dump.rdb
  chown redis:redis /data/dump.rdb
  socket=/tmp/redis-restore.sock
  su -s /bin/sh redis -c "exec redis-server /etc/redis/redis.conf --port 0 \
    --unixsocket $socket --appendonly no" &
  pid=$!
  export REDISCLI_AUTH="$password"
  cli() { redis-cli -s "$socket" "$@"; }
  until [ "$(cli ping 2>/dev/null)" = PONG ]; do
    kill -0 "$pid" 2>/dev/null || fail 'redis-server exited while loading /data/restore.rdb'
    sleep 0.2
  done
  cli config set appendonly yes >/dev/null
  while cli info persistence | grep -Eq '^aof_rewrite_(in_progress|scheduled):1'; do
    sleep 0.2
  done
  cli info persistence | grep -q '^aof_last_bgrewrite_status:ok' ||
    fail 'rewriting the append-only file from /data/restore.rdb failed'
  cli shutdown >/dev/null 2>&1 || true
  wait "$pid" || true
  unset REDISCLI_AUTH
  rm -f /data/restore.rdb
  echo 'redis-entrypoint: restored'
fi
unset password

exec su -s /bin/sh redis -c 'exec redis-server /etc/redis/redis.conf'
