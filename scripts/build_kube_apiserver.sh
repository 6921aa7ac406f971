#!/usr/bin/env bash
# Build (once) a real kube-apiserver and fetch etcd for the operator tests, into a cache outside the repo:
#
#   ${SLUICE_KUBE_CACHE:-$HOME/.cache/sluice/kube-1.20.2}/bin/{kube-apiserver,etcd}
#
# No kube-apiserver binary is packaged anywhere this project can reach, but Debian bookworm's `kubernetes`
# SOURCE package (1.20.2, with vendor/) builds offline. Everything comes from Debian's archive through
# apt-get with private apt folders (the machine's apt state and installed packages are left alone):
#   - kubernetes source (bookworm), Go 1.15 (bullseye's golang-1.15-go + golang-1.15-src),
#   - etcd (bookworm's etcd-server), rsync (code generation) only if the machine has none.
# The .debs are unpacked with dpkg-deb -x, never installed. ~6 min cold on 2 cores; instant when cached.
# Idempotent and safe to run concurrently (flock). Prints the bin folder on its last line of stdout.
#
# Environment: SLUICE_KUBE_CACHE (cache folder), SLUICE_DEBIAN_MIRROR (archive URL; default: the one the
# machine's apt already uses), SLUICE_KUBE_KEEP_BUILD=1 (keep the build tree, for debugging).
set -euo pipefail

CACHE=${SLUICE_KUBE_CACHE:-$HOME/.cache/sluice/kube-1.20.2}
BIN=$CACHE/bin
STAMP=$BIN/.complete

log() { printf '[build_kube_apiserver] %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

cached() { [[ -f $STAMP && -x $BIN/kube-apiserver && -x $BIN/etcd ]]; }

if cached; then
	echo "$BIN"
	exit 0
fi

for tool in apt-get dpkg-deb flock make tar; do
	command -v "$tool" >/dev/null || die "'$tool' is required (a Debian machine has it)"
done

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
	log "another build holds $CACHE/.lock; waiting for it"
	flock 9
fi
if cached; then # built by whoever held the lock
	echo "$BIN"
	exit 0
fi

# We hold the lock: a build tree left here is from a build that was killed.
rm -rf "$CACHE"/build.*
WORK=$(mktemp -d "$CACHE/build.XXXXXX")
cleanup() {
	if [[ ${SLUICE_KUBE_KEEP_BUILD:-} == 1 ]]; then
		log "build tree kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so that the EXIT trap cleans up on a signal too
started=$SECONDS

# --- private apt: its own source list, index and cache; nothing under /etc or /var is touched ---
mirror=${SLUICE_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
	# The archive the machine already uses: the repo of its main suite (not -security / -updates).
	# awk reads to the end: a reader that stops early would kill the writer with SIGPIPE, and pipefail fail the line.
	mirror=$(apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk '!found && $2 ~ /^[a-z]+$/ { print $1; found = 1 }')
fi
[[ -n $mirror ]] || die "no Debian archive found in the machine's apt sources; set SLUICE_DEBIAN_MIRROR"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -r $keyring ]] || die "$keyring is missing (Debian's debian-archive-keyring package)"

apt_dir=$WORK/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts"
cat >"$apt_dir/sources.list" <<EOF
deb [signed-by=$keyring] $mirror bookworm main
deb-src [signed-by=$keyring] $mirror bookworm main
deb [signed-by=$keyring] $mirror bullseye main
EOF
apt_opts=(
	-o "Dir::Etc::SourceList=$apt_dir/sources.list"
	-o "Dir::Etc::SourceParts=$apt_dir/parts"
	-o "Dir::Etc::PreferencesParts=$apt_dir/parts"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir/cache"
	-o "Debug::NoLocking=1"
	-qq
)
if [[ $EUID -eq 0 ]]; then
	apt_opts+=(-o "APT::Sandbox::User=root") # _apt cannot write to our private folders
fi

log "fetching package indexes from $mirror (bookworm, bullseye)"
apt-get "${apt_opts[@]}" --error-on=any update || die "apt-get update failed (is $mirror reachable?)"

dl=$WORK/dl
mkdir -p "$dl"
cd "$dl" # apt-get source/download write to the current folder
log "downloading the kubernetes source package, Go 1.15 and etcd"
apt-get "${apt_opts[@]}" source --download-only kubernetes/bookworm || die "apt-get source kubernetes failed"
debs=(golang-1.15-go/bullseye golang-1.15-src/bullseye etcd-server/bookworm)
if ! command -v rsync >/dev/null; then # the code generators need it
	debs+=(rsync/bookworm libpopt0/bookworm libxxhash0/bookworm)
fi
apt-get "${apt_opts[@]}" download "${debs[@]}" || die "apt-get download ${debs[*]} failed"
cd "$WORK"

root=$WORK/root
mkdir -p "$root"
for deb in "$dl"/*.deb; do
	dpkg-deb -x "$deb" "$root"
done
export GOROOT=$root/usr/lib/go-1.15
[[ -x $GOROOT/bin/go ]] || die "Go was not unpacked to $GOROOT"
export PATH=$GOROOT/bin:$root/usr/bin:$PATH
if [[ -d $root/usr/lib/x86_64-linux-gnu || -d $root/usr/lib/aarch64-linux-gnu ]]; then
	# rsync's libraries, when rsync itself came from the archive
	libs=$(printf '%s:' "$root"/usr/lib/*-linux-gnu)
	export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:-}
fi

orig=$(find "$dl" -maxdepth 1 -name 'kubernetes_*.orig.tar.*' -print -quit)
[[ -n $orig ]] || die "no kubernetes orig tarball was downloaded"
src=$WORK/src
mkdir -p "$src"
tar -xf "$orig" -C "$src" --strip-components=1
[[ -d $src/vendor && -f $src/Makefile ]] || die "unexpected source layout in $orig"

log "building kube-apiserver with $(go version | cut -d' ' -f3) (4-6 minutes on 2 cores)"
mkdir -p "$WORK/home"
if ! (cd "$src" && env GOPROXY=off GOFLAGS= CGO_ENABLED=0 GO111MODULE= GOPATH="$WORK/gopath" \
	GOCACHE="$WORK/gocache" HOME="$WORK/home" make WHAT=cmd/kube-apiserver >"$WORK/make.log" 2>&1); then
	tail -n 40 "$WORK/make.log" >&2
	die "make WHAT=cmd/kube-apiserver failed (last lines above)"
fi

built=$src/_output/bin/kube-apiserver
[[ -x $built ]] || die "the build produced no $built"
"$built" --version >/dev/null || die "the built kube-apiserver does not run"
"$root/usr/bin/etcd" --version >/dev/null || die "etcd from etcd-server does not run"

# Install atomically: copy next to the target, then rename; the stamp goes last.
mkdir -p "$BIN"
cp -L "$built" "$BIN/kube-apiserver.tmp"
cp -L "$root/usr/bin/etcd" "$BIN/etcd.tmp"
mv -f "$BIN/kube-apiserver.tmp" "$BIN/kube-apiserver"
mv -f "$BIN/etcd.tmp" "$BIN/etcd"
{
	"$BIN/kube-apiserver" --version
	# Not `| head -n1`: etcd, still writing when head has gone, died of SIGPIPE, and pipefail failed a finished
	# build (exit 141) in about 4 runs in 10.
	"$BIN/etcd" --version | sed -n 1p
} >"$STAMP"
log "built in $((SECONDS - started))s: $(tr '\n' ' ' <"$STAMP")"
echo "$BIN"
