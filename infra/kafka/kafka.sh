#!/usr/bin/env bash
# A real Apache Kafka broker (single-node KRaft), resolved from Maven Central and run with Java.
#   infra/kafka/kafka.sh fetch|start|stop|status|restart|logs
# State lives in .local/kafka (git-ignored): data, logs, pid. `start` is idempotent and returns only
# once the broker answers on its client port.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
STATE="${KAFKA_STATE_DIR:-$ROOT/.local/kafka}"
LIB="$HERE/lib"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP="${KAFKA_HEAP:-512m}"
READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-120}"
PIDFILE="$STATE/kafka.pid"

say() { printf '[kafka] %s\n' "$*"; }
die() { printf '[kafka] ERROR: %s\n' "$*" >&2; exit 1; }

require_tools() {
  command -v java >/dev/null 2>&1 || die "Java is not installed (need Java 17+: apt-get install -y openjdk-17-jre-headless)."
  local v; v=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  [ "${v%%.*}" -ge 11 ] 2>/dev/null || die "Java $v found; Kafka 3.9 needs Java 11+ (17 recommended)."
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-; }

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid=$(cat "$PIDFILE")
  kill -0 "$pid" 2>/dev/null && grep -q 'kafka.Kafka' "/proc/$pid/cmdline" 2>/dev/null && { echo "$pid"; return 0; }
  return 1
}

fetch() {
  if [ -f "$LIB/.complete" ]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "Maven is not installed (apt-get install -y maven); it resolves the Kafka broker from Maven Central."
  say "resolving the Kafka broker from Maven Central into infra/kafka/lib"
  rm -rf "$LIB"
  (cd "$HERE" && mvn -q -B dependency:copy-dependencies -DoutputDirectory=lib -DincludeScope=runtime) \
    || die "Maven could not resolve org.apache.kafka:kafka_2.13 (see the output above)."
  touch "$LIB/.complete"
}

write_config() {
  mkdir -p "$STATE/data" "$STATE/logs"
  cat >"$STATE/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${PORT}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${STATE}/data
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.dedupe.buffer.size=16777216
num.network.threads=2
num.io.threads=4
log.retention.hours=168
PROPS
  cat >"$STATE/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${STATE}/logs/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
PROPS
}

java_argv() { JAVA=(java "-Xms$HEAP" "-Xmx$HEAP" -XX:+UseG1GC -Djava.awt.headless=true
  "-Dlog4j.configuration=file:$STATE/log4j.properties" -cp "$LIB/*"); }
run_java() { java_argv; "${JAVA[@]}" "$@"; }

start() {
  require_tools
  if pid=$(running_pid); then say "already running (pid $pid) on 127.0.0.1:$PORT"; return 0; fi
  if port_open "$PORT"; then die "port $PORT is taken by another process; stop it or set KAFKA_PORT."; fi
  fetch
  write_config
  local t0; t0=$(date +%s.%N)
  if [ ! -f "$STATE/data/meta.properties" ]; then
    local cid; cid=$(run_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    say "formatting storage (cluster id $cid)"
    run_java kafka.tools.StorageTool format -t "$cid" -c "$STATE/server.properties" >"$STATE/logs/format.log" 2>&1 \
      || die "storage format failed: see $STATE/logs/format.log"
  fi
  java_argv
  # In a session of its own (setsid): Ctrl-C on the command that started it must not kill the broker
  # mid-write. `kafka.sh stop` (or `pnpm infra:down`) stops it.
  if command -v setsid >/dev/null 2>&1; then
    setsid nohup "${JAVA[@]}" kafka.Kafka "$STATE/server.properties" >"$STATE/logs/stdout.log" 2>&1 </dev/null &
  else
    nohup "${JAVA[@]}" kafka.Kafka "$STATE/server.properties" >"$STATE/logs/stdout.log" 2>&1 </dev/null &
  fi
  echo $! >"$PIDFILE"
  local waited=0
  until port_open "$PORT"; do
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
      tail -n 30 "$STATE/logs/stdout.log" "$STATE/logs/server.log" 2>/dev/null >&2 || true
      die "broker exited during start-up (logs above, full logs in $STATE/logs)"
    fi
    [ "$waited" -ge $((READY_TIMEOUT * 10)) ] && die "broker not ready after ${READY_TIMEOUT}s (logs in $STATE/logs)"
    sleep 0.1; waited=$((waited + 1))
  done
  local t1; t1=$(date +%s.%N)
  say "ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), started in $(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") s)"
}

stop() {
  if pid=$(running_pid); then
    say "stopping (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "did not stop in 30 s, killing"; kill -KILL "$pid"; fi
    rm -f "$PIDFILE"; say "stopped"
  else
    rm -f "$PIDFILE"; say "not running"
  fi
}

status() {
  if pid=$(running_pid); then
    if port_open "$PORT"; then say "running (pid $pid), answering on 127.0.0.1:$PORT"; return 0; fi
    say "process $pid alive but port $PORT closed (starting or stuck; logs in $STATE/logs)"; return 1
  fi
  say "not running"; return 3
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  logs) tail -n "${2:-100}" "$STATE/logs/server.log" ;;
  reset) stop; rm -rf "$STATE/data"; say "data removed" ;;
  *) echo "usage: $0 fetch|start|stop|restart|status|logs [n]|reset" >&2; exit 2 ;;
esac
