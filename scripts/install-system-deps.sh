#!/usr/bin/env bash
# Install the system programs the test suite runs for real: redis-server, chromium, PostgreSQL 15+, make,
# and a colour emoji font so headless Chromium screenshots of the playground show emoji, not empty boxes.
# Idempotent: installs only what is missing. Needs root (or prints the command to run when not root).
set -euo pipefail

have_postgres() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x "$dir/initdb" && -x "$dir/postgres" ]] && return 0
    done
    if [[ -n "${PG_BINDIR:-}" && -x "$PG_BINDIR/initdb" ]]; then return 0; fi
    command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

have_chromium() {
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

have_emoji_font() {
    local font
    for font in /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf /usr/share/fonts/noto/NotoColorEmoji.ttf; do
        [[ -f "$font" ]] && return 0
    done
    command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Color Emoji"
}

missing=()
command -v redis-server >/dev/null 2>&1 || [[ -x /usr/bin/redis-server ]] || missing+=(redis-server)
have_chromium || missing+=(chromium)
have_postgres || missing+=(postgresql)
command -v make >/dev/null 2>&1 || missing+=(make)
have_emoji_font || missing+=(fonts-noto-color-emoji)
command -v runuser >/dev/null 2>&1 || [[ -x /usr/sbin/runuser || $(id -u) -ne 0 ]] || missing+=(util-linux)

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "Missing system packages: ${missing[*]}" >&2
    echo "Install them as root: apt-get install -y ${missing[*]}  (or run: sudo $0)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing system packages: ${missing[*]} (no apt-get here: install them with your package manager)" >&2
    exit 1
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -o Dpkg::Use-Pty=0 "${missing[@]}" >/dev/null
