#!/bin/sh
# The main job: shows lium on the built-in Celium sandbox.
#
# usage: run.sh <build dir>
set -eu
build=$(cd "${1:-build}" && pwd)
lium="$build/lium-cli/lium"

echo "\$ lium --version"
"$lium" --version
echo "\$ lium --help"
"$lium" --help
