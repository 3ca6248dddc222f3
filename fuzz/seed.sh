#!/usr/bin/env bash
# Builds the fuzz corpora under fuzz/corpus/TARGET from the shared real-world
# fixtures ($CATALOG_FIXTURES, default ../shared/fixtures next to the
# workspace), the project's sample configs and the small hand-written seeds
# in fuzz/seeds/TARGET. Nothing is copied into the repository: fuzz/corpus is
# ignored by git. Existing corpus files are kept (what earlier runs found);
# run with --clean to start over.
#
#   fuzz/seed.sh [--clean]
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
fixtures=${CATALOG_FIXTURES:-$root/../shared/fixtures}
# Seeds larger than this are left out: they slow every mutation.
max_bytes=${FUZZ_SEED_MAX_BYTES:-262144}
targets=(rdf_document xml_guard csw_records csw_capabilities ckan_package ckan_search config search_query sparql_query fetch_links search_values shacl_record)

if [[ ${1:-} == --clean ]]; then
  rm -rf corpus
fi
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  if [[ -d "seeds/$t" ]]; then
    cp -f "seeds/$t"/* "corpus/$t"/
  fi
done
if [[ ! -d $fixtures ]]; then
  echo "seed.sh: no fixtures at $fixtures (set CATALOG_FIXTURES); only the hand-written seeds were laid out" >&2
  exit 0
fi

# put TARGET FILE [PREFIX]: one seed, named by its content's hash, with an
# optional leading selector byte (an octal escape for printf, e.g. '\001').
put() {
  local target=$1 file=$2 prefix=${3:-}
  local size
  size=$(stat -c %s "$file")
  (( size > 0 && size <= max_bytes )) || return 0
  local tmp name
  tmp=$(mktemp)
  { if [[ -n $prefix ]]; then printf '%b' "$prefix"; fi; cat "$file"; } > "$tmp"
  name=$(sha1sum < "$tmp" | cut -c1-16)
  mv "$tmp" "corpus/$target/$name"
}

# RDF documents: the selector byte declares the Content-Type that matches the
# file's syntax (the target's MEDIA_TYPES table); the fuzzer varies it.
rdf_prefix() {
  case $1 in
    *.ttl) echo '\001' ;;
    *.rdf|*.xml|*.owl) echo '\002' ;;
    *.jsonld|*.json) echo '\003' ;;
    *.nt) echo '\004' ;;
    *.nq) echo '\005' ;;
    *.trig) echo '\006' ;;
    *.n3) echo '\007' ;;
    *) echo '\000' ;;
  esac
}
while IFS= read -r -d '' f; do
  put rdf_document "$f" "$(rdf_prefix "$f")"
done < <(find "$fixtures/dcat" "$fixtures/bad-input/w3c-rdf-tests" "$fixtures/bad-input/dcat-invalid" \
  "$fixtures/bad-input/jsonld-negative-expand" "$fixtures/bad-input/xml-attacks" "$fixtures/csw/geonetwork-udata" \
  -type f \( -name '*.ttl' -o -name '*.rdf' -o -name '*.xml' -o -name '*.jsonld' -o -name '*.json' \
  -o -name '*.nt' -o -name '*.nq' -o -name '*.trig' -o -name '*.n3' \) -print0 2>/dev/null)
while IFS= read -r -d '' f; do
  put rdf_document "$f" '\001'
done < <(find "$root/config/samples" -type f -name '*.ttl' -print0)
while IFS= read -r -d '' f; do
  put rdf_document "$f" '\002'
done < <(find "$root/config/samples" -type f -name '*.rdf' -print0)

# Validation: Turtle pages, split and validated record by record.
while IFS= read -r -d '' f; do
  put shacl_record "$f"
done < <(find "$fixtures/dcat" "$root/config/samples" -type f -name '*.ttl' -print0 2>/dev/null)

# XML: the guard sees every XML document the harvester reads.
while IFS= read -r -d '' f; do
  put xml_guard "$f"
done < <(find "$fixtures/csw" "$fixtures/bad-input/xml-attacks" "$fixtures/bad-input/csw-invalid" \
  "$fixtures/bad-input/w3c-rdf-tests/rdf-xml" "$fixtures/dcat" -type f \( -name '*.xml' -o -name '*.rdf' -o -name '*.xsd' \) -print0 2>/dev/null)

# CSW: GetRecords pages and single ISO records (selector 0: datasets only;
# the fuzzer flips the services and small-record-limit bits), capabilities.
while IFS= read -r -d '' f; do
  put csw_records "$f" '\000'
done < <(find "$fixtures/csw" "$fixtures/bad-input/csw-invalid" "$fixtures/bad-input/xml-attacks" -type f -name '*.xml' \
  ! -iname '*capabilities*' -print0 2>/dev/null)
while IFS= read -r -d '' f; do
  put csw_capabilities "$f"
done < <(find "$fixtures/csw" -type f \( -iname '*capabilities*' -o -iname '*exception*' \) -name '*.xml' -print0 2>/dev/null)

# CKAN: package dictionaries (package_show results and the entries of
# package_search pages) for the mapping; whole package_search answers, and
# each package_show result wrapped in one, for the page reader.
while IFS= read -r -d '' f; do
  put ckan_package "$f"
done < <(find "$fixtures/ckan" -type f -name '*.json' -print0)
python3 - "$fixtures/ckan" corpus <<'PY'
import hashlib, json, pathlib, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def put(target, value):
    data = json.dumps(value, ensure_ascii=False).encode()
    (out / target / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)
for f in sorted(src.rglob("*.json")):
    try:
        doc = json.loads(f.read_bytes())
    except ValueError:
        continue
    result = doc.get("result") if isinstance(doc, dict) else None
    if isinstance(result, dict) and isinstance(result.get("results"), list):
        (out / "ckan_search" / hashlib.sha1(f.read_bytes()).hexdigest()[:16]).write_bytes(f.read_bytes())
        for p in result["results"]:
            put("ckan_package", p)
        continue
    package = result if isinstance(result, dict) else doc
    if isinstance(package, dict) and ("id" in package or "name" in package):
        put("ckan_search", {"help": "package_search", "success": True,
                            "result": {"count": 1, "results": [package]}})
PY

# Config: the project's own configs.
while IFS= read -r -d '' f; do
  put config "$f"
done < <(find "$root/config" -type f -name '*.toml' -print0)

for t in "${targets[@]}"; do
  printf '%-18s %5d inputs\n' "$t" "$(find "corpus/$t" -type f | wc -l)"
done
