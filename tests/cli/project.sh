# Sourced by golden-case setup scripts: turns the scratch directory into a project root holding the
# runtime's gate list and the toolchain files, then copies each named fixture from
# tests/fixtures/profiles/<fixture>.yaml to profiles/<name>.yaml (arguments are fixture:name pairs).
mkdir -p runtime profiles templates
cp "$SRC/runtime/features.yaml" runtime/
cp -r "$SRC/templates/toolchains" "$SRC/templates/docker" templates/
for pair in "$@"; do
  cp "$SRC/tests/fixtures/profiles/${pair%%:*}.yaml" "profiles/${pair##*:}.yaml"
done
