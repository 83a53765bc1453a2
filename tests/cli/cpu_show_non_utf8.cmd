cpu show "$(printf 'skylake:stlb.4k=\377\376')"
