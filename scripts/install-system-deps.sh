#!/usr/bin/env bash
# Installs the Debian packages lbe needs to build images and ISOs and to run its tests. Idempotent; needs root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(buildah runc skopeo umoci mmdebstrap podman squashfs-tools xorriso grub-pc-bin grub-efi-amd64-bin mtools
  ovmf qemu-system-x86 docker-registry nftables openssh-server zstd sudo chromium)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
