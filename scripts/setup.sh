#!/usr/bin/env bash
# Installs what the project needs on a fresh machine (idempotent): Java and Maven for the Kafka broker
# (from Debian when missing and running as root), pnpm, the node modules, and the Kafka jars.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PNPM_VERSION=12.4.2
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "Node.js 20.19+ is required (https://nodejs.org or apt-get install nodejs)."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old: 20.19 or newer is required (NestJS 12, TypeORM 1)."

apt_install() {
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* from Debian"
    (apt-get install -y -qq "$@" >/dev/null 2>&1) || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$@" >/dev/null; }
  else
    return 1
  fi
}
command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless || die "Java 17 is missing: install a JDK/JRE 17 (Debian: apt-get install openjdk-17-jre-headless)."
command -v mvn >/dev/null 2>&1 || apt_install maven || die "Maven is missing: install it (Debian: apt-get install maven); it fetches the Kafka broker from Maven Central."
command -v psql >/dev/null 2>&1 || apt_install postgresql-client || die "psql is missing: install the PostgreSQL client (Debian: apt-get install postgresql-client)."

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  say "installing pnpm $PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || die "could not install pnpm $PNPM_VERSION with npm."
fi
say "installing node modules"
if [ "${CI:-}" = "true" ]; then pnpm install --frozen-lockfile --reporter=append-only; else pnpm install --reporter=append-only; fi
bash infra/kafka/kafka.sh fetch
