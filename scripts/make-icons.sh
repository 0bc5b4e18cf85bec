#!/bin/sh
# Renders resources/icon.svg to the PNG sizes the platforms need (Linux hicolor 16-512, macOS up to
# 1024, Windows .ico via electron-builder from the 256 one). Needs rsvg-convert (Debian: librsvg2-bin).
# Reproducible: the same SVG and rsvg-convert version give the same bytes; outputs are committed.
set -eu
cd "$(dirname "$0")/../resources"
command -v rsvg-convert >/dev/null || { echo "make-icons: rsvg-convert missing (apt-get install librsvg2-bin)" >&2; exit 1; }
mkdir -p icons
for size in 16 32 48 64 128 256 512 1024; do
  rsvg-convert --width "$size" --height "$size" --format png --output "icons/${size}x${size}.png" icon.svg
done
cp icons/1024x1024.png icon.png
echo "make-icons: wrote resources/icon.png and resources/icons/{16..1024}.png from icon.svg ($(rsvg-convert --version))"
