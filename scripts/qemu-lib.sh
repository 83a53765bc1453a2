# qemu-lib.sh: the pieces the qemu guest scripts share (sourced by scripts/qemu-tier.sh; the
# same steps as scripts/qemu-numa.sh's). Each function prints its messages with $qprefix
# ("qemu-tier: ...") and calls the caller's skip (exit 77 with the reason) or die (exit 1).
#
#   qemu_tools WORK            qemu-system-x86_64, cpio, gzip and a static busybox (installed
#                              with apt-get when missing and root); sets $bb
#   qemu_kernel KDIR WORK [APT_OPTION...]
#                              Debian's linux-image-amd64 as apt (with the options, e.g. a
#                              private source list) sees it: its versioned image package's
#                              /boot/vmlinuz only, extracted into KDIR once (never installed);
#                              sets $vmlinuz and $kver_deb (the package version)
#   qemu_static_vmlab ROOT WORK [VMLAB_STATIC]
#                              the statically linked vmlab for the guest (built with the static
#                              preset unless given); sets $vm_static
#   qemu_is_static FILE        true for a program that needs no shared library

qemu_is_static() { [ -x "$1" ] && ! LC_ALL=C ldd "$1" >/dev/null 2>&1; }

qemu_tools() {
  local work=$1 need=() b
  command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
  command -v cpio >/dev/null || need+=(cpio)
  command -v gzip >/dev/null || need+=(gzip)
  bb=""
  for b in /bin/busybox /usr/bin/busybox; do
    if qemu_is_static "$b"; then bb=$b; break; fi
  done
  [ -n "$bb" ] || need+=(busybox-static)
  if [ "${#need[@]}" -gt 0 ]; then
    echo "$qprefix: installing ${need[*]}"
    [ "$(id -u)" = 0 ] || skip "${need[*]} missing and not root to install them"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${need[@]}"; } >"$work/apt.log" 2>&1 ||
      skip "cannot install ${need[*]} (apt-get failed: $work/apt.log)"
    for b in /bin/busybox /usr/bin/busybox; do
      if qemu_is_static "$b"; then bb=$b; break; fi
    done
  fi
  command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
  [ -n "$bb" ] || skip "no statically linked busybox (busybox-static)"
}

qemu_kernel() {
  local kdir=$1 work=$2 kpkg deb kver_pkg
  shift 2
  mkdir -p "$kdir"
  kpkg=$(apt-cache "$@" depends linux-image-amd64 2>/dev/null |
         awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  kver_pkg=${kpkg#linux-image-}
  vmlinuz=""
  if [ -n "$kpkg" ] && [ -f "$kdir/vmlinuz-$kver_pkg" ]; then
    vmlinuz=$kdir/vmlinuz-$kver_pkg
  elif [ -n "$kpkg" ]; then
    echo "$qprefix: fetching $kpkg (its vmlinuz only)"
    ( cd "$kdir" && rm -f ./*.deb && apt-get "$@" download "$kpkg" ) >"$work/kernel.log" 2>&1 ||
      skip "cannot download $kpkg ($work/kernel.log)"
    deb=$(ls "$kdir"/"$kpkg"_*.deb 2>/dev/null | head -n 1)
    [ -n "$deb" ] || skip "apt-get download $kpkg left no .deb"
    dpkg-deb --info "$deb" | awk '/ Version:/ { print $2 }' >"$kdir/version-$kver_pkg"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$kdir" --wildcards './boot/vmlinuz-*' ||
      skip "no /boot/vmlinuz in $deb"
    mv "$kdir"/boot/vmlinuz-* "$kdir/vmlinuz-$kver_pkg" && rmdir "$kdir/boot"
    rm -f "$deb"
    vmlinuz=$kdir/vmlinuz-$kver_pkg
  else
    # No package list (offline?): a kernel extracted before still serves.
    vmlinuz=$(ls "$kdir"/vmlinuz-* 2>/dev/null | head -n 1)
    [ -n "$vmlinuz" ] || skip "linux-image-amd64 not found by apt-cache and no kernel extracted before"
  fi
  kver_deb=$(cat "$kdir/version-${vmlinuz##*vmlinuz-}" 2>/dev/null || echo '?')
  echo "$qprefix: guest kernel $(basename "$vmlinuz") ($kver_deb), $(du -sh "$kdir" | cut -f1) in $kdir"
}

qemu_static_vmlab() {
  local root=$1 work=$2
  vm_static=${3:-}
  if [ -z "$vm_static" ]; then
    ( cd "$root" && cmake --log-level=WARNING --preset static >/dev/null &&
      cmake --build --preset static --target vmlab_cli ) >"$work/build.log" 2>&1 ||
      die "the static build failed ($work/build.log)"
    vm_static=$root/build/static/vmlab
  fi
  [ -x "$vm_static" ] || die "no vmlab at $vm_static"
  qemu_is_static "$vm_static" ||
    die "$vm_static is not statically linked (the guest has no C library): build the static preset"
}

# qemu_initramfs DIR SCENARIO...: the guest's root in DIR (emptied first) with busybox ($bb),
# the static vmlab without its debug information (the dev tree's -g build is 3 times larger)
# when strip is here, and the scenarios; the caller writes DIR/init.
qemu_initramfs() {
  local ird=$1
  shift
  rm -rf "$ird"
  mkdir -p "$ird"/{bin,proc,sys,dev,tmp,scenarios}
  cp "$bb" "$ird/bin/busybox"
  strip --strip-debug -o "$ird/bin/vmlab" "$vm_static" 2>/dev/null || cp "$vm_static" "$ird/bin/vmlab"
  cp "$@" "$ird/scenarios/"
}
