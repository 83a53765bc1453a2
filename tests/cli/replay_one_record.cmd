replay - <<< '0x40000000 R'
