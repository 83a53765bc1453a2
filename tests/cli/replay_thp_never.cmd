replay --thp never - <<< $'0x12000 W\n0x200000 W\n0x3ff000 W' | grep -E '^machine|^  L1 dTLB hits|mapped|THP|page tables'
