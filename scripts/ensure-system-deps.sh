#!/usr/bin/env bash
# Installs the Debian packages the tests use, only those missing (idempotent, quick when all present):
# Chromium (webview and VS Code UI tests), libkrb5-dev (code-server's native kerberos module builds against it), OpenSSH server + tmux (SSH host tests), Slurm + munge (Slurm tests), python3-yaml + curl (the Arena-Hard recipe and its stand-in).
set -euo pipefail
PKGS=(chromium fonts-dejavu-core libkrb5-dev openssh-server openssh-client tmux slurm-wlm munge python3-yaml curl)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages present: ${PKGS[*]}"; exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "missing Debian packages: ${missing[*]} — install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
