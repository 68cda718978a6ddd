#!/usr/bin/env bash
# Fetch the LanguageTool server (English only) from Maven Central into DEST/lib.
#
#   scripts/fetch_languagetool.sh [DEST]      (default DEST: lt/ in the repository)
#
# The version and the dependency set are pinned in scripts/lt-pom.xml.  Idempotent: a stamp
# file DEST/.fetched-<version>-<pom hash> marks a complete fetch of exactly this pom, and a
# second run with it present does nothing.  The jars are copied into a temporary folder and
# swapped in only when Maven succeeded, so an interrupted fetch never leaves a half-filled
# lib/ that looks complete.  Writes DEST/VERSION (the LanguageTool version).
#
# mtqa finds the jars in $MTQA_LT_HOME, then lt/ in the repository, then
# ~/.cache/mtqa/languagetool (see mtqa/checks/languagetool/server.py).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
pom="$here/lt-pom.xml"
dest="${1:-$repo/lt}"

version="$(sed -n 's:.*<lt.version>\(.*\)</lt.version>.*:\1:p' "$pom" | head -n1)"
if [[ -z "$version" ]]; then
  echo "fetch_languagetool: no <lt.version> in $pom" >&2
  exit 1
fi
pomhash="$(sha256sum "$pom" | cut -c1-12)"
stamp="$dest/.fetched-$version-$pomhash"

if [[ -f "$stamp" && -d "$dest/lib" ]]; then
  echo "LanguageTool $version already in $dest (remove $stamp to fetch again)"
  exit 0
fi

for tool in mvn java; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch_languagetool: '$tool' not found: install a JDK (17+) and Maven (e.g. apt-get install default-jdk-headless maven)" >&2
    exit 1
  fi
done

mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
stamp="$dest/.fetched-$version-$pomhash"
tmp="$dest/lib.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"

echo "Fetching LanguageTool $version (server + English) into $dest/lib ..."
mvn -B -q -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
  -DoutputDirectory="$tmp" -DincludeScope=runtime

if ! ls "$tmp"/languagetool-server-"$version".jar >/dev/null 2>&1 \
   || ! ls "$tmp"/language-en-"$version".jar >/dev/null 2>&1; then
  echo "fetch_languagetool: Maven finished but languagetool-server/language-en $version jars are missing in $tmp" >&2
  exit 1
fi

rm -rf "$dest/lib.old"
if [[ -d "$dest/lib" ]]; then mv "$dest/lib" "$dest/lib.old"; fi
mv "$tmp" "$dest/lib"
rm -rf "$dest/lib.old"
rm -f "$dest"/.fetched-*
echo "$version" > "$dest/VERSION"
touch "$stamp"
n="$(ls "$dest/lib" | wc -l)"
size="$(du -sh "$dest/lib" | cut -f1)"
echo "LanguageTool $version: $n jars, $size in $dest/lib"
