#!/usr/bin/env bash
# Installs the Debian packages named as arguments when some are missing: with apt-get as
# root, otherwise it prints the one command to run and fails.
set -euo pipefail
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]]; then
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "homevox needs these Debian packages: run  sudo apt-get install ${missing[*]}  and try again" >&2
  exit 1
fi
