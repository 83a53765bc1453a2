replay --pages 1g - <<< $'0x400000 R\n0x40000000 W\n0x7fffd0000000 R\n0x12000 R' | grep -E '^machine|mapped'
