replay - <<< $'0x7fffd0000000 W\n0x7ffffffde000 R\n0x7ffffffff000 R'
