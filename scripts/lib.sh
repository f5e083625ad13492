# Shared by scripts/serve, scripts/test and scripts/bench: install what is missing, idempotently.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Installs the Debian packages named, only those not installed yet.
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_swift() {
  if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
      export PATH="/opt/swift/usr/bin:$PATH"
    else
      echo "error: no Swift toolchain on PATH (Swift 6.x is needed; see swift.org/install)" >&2
      exit 1
    fi
  fi
}

# What building needs: liblmdb (the KV store), pkg-config to find it, curl for the tests.
ensure_build_dependencies() {
  ensure_packages liblmdb-dev pkg-config curl
  ensure_swift
}

# build_product PRODUCT [release|debug]: builds it and prints the binary's path. Release builds link
# the Swift runtime and Foundation into the binary (--static-swift-stdlib): the process starts in
# half the time and maps less shared code (see the Benchmarks article).
build_product() {
  local product="$1" config="${2:-release}"
  local flags=(-c "$config")
  if [ "$config" = release ]; then
    flags+=(--static-swift-stdlib)
  fi
  echo "==> swift build ${flags[*]} --product $product" >&2
  # Callers capture the path with $(…), where set -e does not apply: a failed build must fail here.
  (cd "$ROOT" && swift build "${flags[@]}" --product "$product" >&2) || return 1
  local bin
  bin="$(cd "$ROOT" && swift build "${flags[@]}" --show-bin-path)" || return 1
  echo "$bin/$product"
}

# Python tools the tests drive, from PyPI when missing: openapi-spec-validator checks /openapi.json,
# websockets is a real third-party WebSocket client for /stream/flags, edgeflags is the official
# Python SDK (PythonSDKTests), openfeature-sdk with openfeature-provider-ofrep is OpenFeature's
# (OFREPSDKTests), schemathesis fuzzes the API from /openapi.json (SchemathesisTests; its config
# file is version 4's), prometheus-client's parser reads /metrics (MetricsEndToEndTests); selenium
# drives Chromium through the console (ConsoleBrowserTests).
ensure_python_tools() {
  local missing=()
  python3 -c 'import openapi_spec_validator' >/dev/null 2>&1 || missing+=(openapi-spec-validator)
  python3 -c 'import websockets' >/dev/null 2>&1 || missing+=(websockets)
  python3 -c 'import edgeflags' >/dev/null 2>&1 || missing+=(edgeflags)
  python3 -c 'import selenium' >/dev/null 2>&1 || missing+=(selenium)
  python3 -c 'import prometheus_client' >/dev/null 2>&1 || missing+=(prometheus-client)
  python3 -c 'import openfeature.contrib.provider.ofrep' >/dev/null 2>&1 \
    || missing+=(openfeature-sdk openfeature-provider-ofrep)
  python3 -m schemathesis.cli --version 2>/dev/null | grep -q 'version 4\.' || missing+=('schemathesis>=4.32,<5')
  if [ ${#missing[@]} -gt 0 ]; then
    python3 -m pip --version >/dev/null 2>&1 || ensure_packages python3-pip
    echo "==> pip install ${missing[*]}" >&2
    python3 -m pip install --quiet "${missing[@]}" 2>/dev/null \
      || python3 -m pip install --quiet --break-system-packages "${missing[@]}"
  fi
}
