#!/usr/bin/env bash
# Opens a report page in headless Chromium, fails on any console error, and saves a screenshot.
# Usage: tools/check-html.sh PAGE.html [SCREENSHOT.png]   (installs Debian's chromium if missing)
set -euo pipefail
page=$(realpath "$1"); shot="${2:-${page%.html}.png}"
if ! command -v chromium >/dev/null; then
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q && "${sudo_cmd[@]}" apt-get install -y -q chromium
fi
log=$(mktemp)
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1600 \
  --enable-logging=stderr --v=0 --screenshot="$shot" "file://$page" 2>"$log" || { cat "$log"; exit 1; }
if grep -E "CONSOLE|Uncaught" "$log" | grep -qiE "error|uncaught"; then
  echo "console errors in $page:"; grep -E "CONSOLE|Uncaught" "$log"; exit 1
fi
[ -s "$shot" ] || { echo "no screenshot written"; exit 1; }
echo "ok: $page renders without console errors; screenshot $shot"
