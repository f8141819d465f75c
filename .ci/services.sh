# Services the tests need, for .ci/run (sourced). A fresh machine has only
# Node and npm: Debian packages come from apt, binaries from npm.
#
# Convention: a test that needs a service reads its address from an
# environment variable (MCP_AUTHZ_<NAME>_...) and is skipped, by name, when it
# is absent. .ci/run sets MCP_AUTHZ_REQUIRE_SERVICES=1, which turns every such
# skip into a failure (tests/_services.ts), so a service that did not start
# fails CI instead of silently skipping its tests.

# Installs the Debian packages given, once, when a command is missing.
# Usage: ensure_packages <command> <package> [<command> <package> ...]
ensure_packages() {
  local wanted=()
  while [ "$#" -ge 2 ]; do
    command -v "$1" >/dev/null 2>&1 || wanted+=("$2")
    shift 2
  done
  [ "${#wanted[@]}" -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ -z "${APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq >/dev/null || return 1
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
}

# A free TCP port on 127.0.0.1.
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Waits until a TCP port on 127.0.0.1 accepts connections (at most ~10 s).
wait_port() {
  node -e '
    const net = require("net"); const port = Number(process.argv[1]);
    let tries = 0;
    (function attempt() {
      const s = net.connect(port, "127.0.0.1", () => { s.end(); process.exit(0); });
      s.on("error", () => { if (++tries > 100) process.exit(1); setTimeout(attempt, 100); });
    })();' "$1"
}

SERVICE_PIDS=()
stop_services() {
  local pid
  for pid in "${SERVICE_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${SERVICE_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  SERVICE_PIDS=()
}

# Each start_<name> installs what it needs, starts the service on 127.0.0.1
# and exports its variable; it returns non-zero when the service cannot run.

# Chromium, for the approval page's browser test (tests/dev/): Debian's
# package, driven by puppeteer-core. Nothing runs until a test launches it
# (headless, fresh profile, no network), so there is nothing to stop.
start_chromium() {
  ensure_packages chromium chromium || return 1
  MCP_AUTHZ_CHROMIUM=$(command -v chromium) || return 1
  export MCP_AUTHZ_CHROMIUM
}

# Redis (Debian's redis-server), for the store adapters' tests: no
# persistence, 127.0.0.1 only, a free port. Exports MCP_AUTHZ_REDIS_URL.
start_redis() {
  ensure_packages redis-server redis-server || return 1
  local port pid
  port=$(free_port) || return 1
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --protected-mode yes --daemonize no --loglevel warning >/dev/null &
  pid=$!
  SERVICE_PIDS+=("$pid")
  wait_port "$port" || return 1
  export MCP_AUTHZ_REDIS_URL="redis://127.0.0.1:${port}"
  echo "redis-server ${pid} on ${MCP_AUTHZ_REDIS_URL}"
}

# Cerbos, the AuthZEN policy decision point of tests/authzen/: the binary
# from npm (@cerbos/cerbos-linux-x64, mapped in tests/deno.json, installed by
# `deno install`). The tests start and stop their own PDP on a free port with
# their policies, so this only checks that the binary runs and names it.
start_cerbos() {
  local binary="node_modules/@cerbos/cerbos-linux-x64/cerbos-linux-x64"
  [ -x "$binary" ] || return 1
  "$binary" --version >/dev/null 2>&1 || return 1
  MCP_AUTHZ_CERBOS_BIN="$(pwd)/$binary"
  export MCP_AUTHZ_CERBOS_BIN
}
