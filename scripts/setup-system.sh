#!/bin/sh
# The system packages `npm test` needs beyond npm, on Debian 12 (the first stage of `npm test`):
#   chromium                          the end-to-end tests' browser; its SwiftShader Vulkan driver
#                                     also runs the engine's WebGPU tests in Node (Dawn)
#   libvulkan1                        the Vulkan loader Dawn uses for SwiftShader
#   libegl-mesa0 libgl1-mesa-dri      Mesa's EGL and OpenGL ES (llvmpipe) for Dawn's GLES path
# Installs what is missing when it can (root and apt-get), otherwise prints the command that
# installs it and exits 1. `--check` only reports. CHROMIUM_PATH names another browser binary;
# VK_ICD_FILENAMES another Vulkan driver.
set -u

check_only=0
[ "${1:-}" = "--check" ] && check_only=1

missing=""
need() {
  case " $missing " in *" $1 "*) ;; *) missing="${missing:+$missing }$1" ;; esac
}
has_lib() {
  ldconfig -p 2>/dev/null | grep -q "$1"
}
has_pkg() {
  command -v dpkg >/dev/null 2>&1 && dpkg -s "$1" >/dev/null 2>&1
}

browser=""
if [ -n "${CHROMIUM_PATH:-}" ]; then
  if [ ! -x "$CHROMIUM_PATH" ]; then
    echo "system: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2
    exit 1
  fi
  browser="$CHROMIUM_PATH"
else
  for b in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
    if [ -x "$b" ]; then
      browser="$b"
      break
    fi
  done
fi
[ -n "$browser" ] || need chromium
[ -n "${VK_ICD_FILENAMES:-}" ] || [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || need chromium
has_lib libvulkan.so.1 || has_pkg libvulkan1 || need libvulkan1
has_lib libEGL_mesa.so.0 || has_pkg libegl-mesa0 || need libegl-mesa0
has_pkg libgl1-mesa-dri || ls /usr/lib/*/dri/swrast_dri.so >/dev/null 2>&1 || need libgl1-mesa-dri

if [ -z "$missing" ]; then
  echo "system: ok (browser ${browser}, Vulkan loader, Mesa EGL and OpenGL ES)"
  exit 0
fi

command="apt-get install -y $missing"
if [ "$check_only" = 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq $missing >/dev/null; then
    echo "system: installed $missing"
    exit 0
  fi
  echo "system: '$command' failed; the tests that need these packages will fail" >&2
  exit 1
fi

if [ "$(id -u)" = 0 ]; then prefix=""; else prefix="sudo "; fi
echo "system: missing $missing. Install with:" >&2
echo "  ${prefix}apt-get update && ${prefix}$command" >&2
echo "(on another distribution, its packages for Chromium, the Vulkan loader and Mesa's EGL/GLES drivers)" >&2
echo "the tests that need them will fail until then" >&2
exit 1
