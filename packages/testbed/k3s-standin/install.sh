#!/bin/sh
# Stand-in for the k3s installer (https://get.k3s.io) on test servers, which cannot reach the
# internet. Run the same way (`curl -sfL URL | INSTALL_K3S_… sh -`); it downloads the k3s binary
# from the address the test's HTTP server wrote into K3S_BINARY_URL below, and writes
# k3s-killall.sh and k3s-uninstall.sh like the real installer.
set -eu
K3S_BINARY_URL='@K3S_BINARY_URL@'
BIN_DIR=${INSTALL_K3S_BIN_DIR:-/usr/local/bin}
info() { echo "[INFO]  $*"; }

if [ "${INSTALL_K3S_SKIP_DOWNLOAD:-}" != "true" ]; then
  info "Downloading k3s ${INSTALL_K3S_VERSION:-stable} from ${K3S_BINARY_URL}"
  tmp=$(mktemp)
  curl -sfL "$K3S_BINARY_URL" -o "$tmp" || wget -qO "$tmp" "$K3S_BINARY_URL"
  chmod 755 "$tmp"
  mv -f "$tmp" "$BIN_DIR/k3s"
fi

info "Creating killall script ${BIN_DIR}/k3s-killall.sh"
cat > "$BIN_DIR/k3s-killall.sh" <<'KILLALL'
#!/bin/sh
# Test servers share the machine's process list: only this server's network namespace is its own.
for pid in $(pgrep --ns $$ --nslist net -f '[b]in/k3s (server|agent)'); do kill "$pid" 2>/dev/null || true; done
rm -f /run/k3s.pid /run/k3s-agent.pid
KILLALL
chmod 755 "$BIN_DIR/k3s-killall.sh"

info "Creating uninstall script ${BIN_DIR}/k3s-uninstall.sh"
cat > "$BIN_DIR/k3s-uninstall.sh" <<UNINSTALL
#!/bin/sh
${BIN_DIR}/k3s-killall.sh
rm -rf /etc/rancher/k3s /var/lib/rancher/k3s
rm -f ${BIN_DIR}/k3s ${BIN_DIR}/k3s-killall.sh ${BIN_DIR}/k3s-uninstall.sh
UNINSTALL
chmod 755 "$BIN_DIR/k3s-uninstall.sh"

if [ "${INSTALL_K3S_SKIP_START:-}" = "true" ]; then
  info "Skipping k3s start"
else
  echo "[ERROR] the stand-in installer cannot start k3s (no init system on test servers)" >&2
  exit 1
fi
