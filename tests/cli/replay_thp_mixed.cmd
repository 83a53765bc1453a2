replay --thp always - <<< $'0x12000 W\n0x200000 W\n0x3ff000 R' | grep -E '^machine|^  L1 dTLB hits|mapped|THP|page tables'
